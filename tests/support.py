"""Helpers several test modules share: headless Chromium and small landing folders.

Kept here rather than imported from one test module into another, so a test file can be
moved or deleted without breaking others.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class DevTools:
    """The few Chrome DevTools protocol calls the test needs, over one websocket."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self._ws = connect(ws_url, max_size=None, open_timeout=20)
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        self._ws.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=60))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.5)
        text = self.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
        url = self.evaluate("location.href")
        raise AssertionError(f"timed out waiting for {what} at {url}; the page shows:\n{text}")

    def type_into(self, selector: str, text: str) -> None:
        # Focus plus insertText goes through the browser's input pipeline, so the React
        # form sees real input events (setting .value would not).
        assert self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
            "if (!e) return false; e.focus(); return true; })()"
        ), selector
        self.call("Input.insertText", text=text)

    def close(self) -> None:
        self._ws.close()


def sign_in_to_airflow(browser: DevTools, url: str, password: str) -> None:
    """Open ``url`` in the Airflow UI and sign in as admin through its login form."""
    browser.call("Page.navigate", url=url)
    browser.wait_for("!!document.querySelector('input[name=username]')", 60, "the login form")
    browser.type_into("input[name=username]", "admin")
    browser.type_into("input[name=password]", password)
    browser.wait_for("!document.querySelector('button[type=submit]').disabled", 10, "the Sign in button")
    browser.evaluate("document.querySelector('button[type=submit]').click()")
    browser.wait_for("!location.pathname.startsWith('/auth/')", 30, "the login to finish")


@contextmanager
def devtools_browser(binary: str, folder: Path) -> Iterator[DevTools]:
    """Headless Chromium driven over the DevTools protocol; stopped when the block ends."""
    from reform_etl.airflow_local import free_port, spawn, stop

    port = free_port()
    process = spawn(
        [
            binary,
            "--headless=new",
            "--no-sandbox",  # we run as root in CI containers
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--metrics-recording-only",
            "--remote-debugging-address=127.0.0.1",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={folder / 'chromium'}",
            "--window-size=1440,1000",
            "about:blank",
        ],
        os.environ.copy(),
        folder / "chromium.log",
    )
    try:
        deadline = time.monotonic() + 30
        page = None
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as answer:
                    page = next((t for t in json.loads(answer.read()) if t.get("type") == "page"), None)
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        assert page, f"Chromium did not start:\n{(folder / 'chromium.log').read_text(errors='replace')[-2000:]}"
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Runtime.enable")
        yield tools
        tools.close()
    finally:
        stop(process, timeout=5)
