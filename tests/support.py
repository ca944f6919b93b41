"""Helpers several test modules share: headless Chromium and small landing folders.

Kept here rather than imported from one test module into another, so a test file can be
moved or deleted without breaking others.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
APT_PACKAGES = ("chromium", "fonts-dejavu-core")


def find_browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def install_browser() -> str:
    """Try Debian's chromium (as root, where apt-get exists); return why it failed, if it did."""
    why = "apt-get is not available" if not shutil.which("apt-get") else "installing packages needs root"
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=900, check=False)
        done = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        why = f"apt-get install {' '.join(APT_PACKAGES)} failed: {done.stderr.strip()[-500:]}"
    return why


def run_browser(browser: str, profile: Path, *args: str, timeout: int = 90) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with no background traffic (the machines have no internet)."""
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_landing(landing: Path, *, count: int = 6, period: str = "2024-H1") -> list[Path]:
    """``count`` small dossier summaries for distinct provinces (distinct bytes: no duplicates)."""
    folder = landing / "dossier_summary"
    folder.mkdir(parents=True, exist_ok=True)
    provinces = ["01", "02", "04", "40", "48", "79", "31", "92"][:count]
    written = []
    shift = sum(map(ord, period)) % 97  # other periods, other figures
    for n, code in enumerate(provinces, start=1):
        on_time, late = 10_000 + 1_000 * n, 345 + shift
        path = folder / f"{code}_{period}.csv"
        received = f"{on_time + late:,}".replace(",", ".")  # Vietnamese thousands separator
        path.write_text(
            f'Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,"{received}",{on_time},{late}\nCấp xã,9{n}0,9{n}0,0\n',
            encoding="utf-8-sig",
        )
        written.append(path)
    return written
