"""`pip install .` into a fresh virtualenv gives a working `reform-etl`.

The package itself is really built and installed (not editable, not from the checkout).
To stay fast its dependencies are not downloaded again: the fresh environment sees the
project's locked set through a path file, and `pip check` proves that every dependency
the package declares is satisfied by that lock.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the package pip-installed from a copy of the sources."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "include", source / "include", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv])
    assert made.returncode == 0, made.stderr
    site = Path(
        _run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    )
    (site / "_locked_set.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # --ignore-installed: the project's own editable install is visible through the path
    # file; this one must be a separate, real copy in the fresh environment.
    install = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            venv / "bin" / "python",
            "install",
            "--no-deps",
            "--ignore-installed",
            source,
        ]
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return venv


def _clean_env(cwd: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFORM_") and k != "WAREHOUSE_URL"}
    return env | {"PWD": str(cwd)}


def test_the_installed_package_is_a_real_copy_with_its_data(installed: Path, tmp_path: Path):
    found = _run([installed / "bin" / "python", "-c", "import reform_etl; print(reform_etl.__file__)"], cwd=tmp_path)
    assert found.stdout.startswith(str(installed)), found.stdout + found.stderr
    # Sample files need the packaged reference lists (provinces, code lists).
    out = tmp_path / "samples"
    generated = _run(
        [
            installed / "bin" / "reform-etl",
            "generate",
            "--out",
            out,
            "--provinces",
            "2",
            "--years",
            "2024",
            "--dossier-rows",
            "20",
        ],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
    )
    assert generated.returncode == 0, generated.stderr
    assert any(out.glob("*/*.*"))


def test_the_declared_dependencies_are_satisfied_by_the_lock(installed: Path):
    check = _run([installed / "bin" / "python", "-m", "pip", "check"])
    assert check.returncode == 0, check.stdout + check.stderr
    requires = _run(
        [
            installed / "bin" / "python",
            "-c",
            "import importlib.metadata as m; print('\\n'.join(m.requires('reform-etl')))",
        ]
    )
    assert (
        "pydantic-settings" in requires.stdout and "pytest" in requires.stdout
    )  # the latter only with extra == "test"
    assert 'extra == "test"' in next(line for line in requires.stdout.splitlines() if line.startswith("pytest"))


def test_version_help_and_config_work_outside_a_checkout(installed: Path, tmp_path: Path):
    env = _clean_env(tmp_path)
    version = _run([installed / "bin" / "reform-etl", "--version"], cwd=tmp_path, env=env)
    assert version.returncode == 0 and version.stdout.strip() == "reform-etl 0.1.0", version.stderr
    help_text = _run([installed / "bin" / "reform-etl", "--help"], cwd=tmp_path, env=env)
    assert help_text.returncode == 0
    for command in ("run", "ingest", "config", "db"):
        assert command in help_text.stdout
    shown = _run([installed / "bin" / "reform-etl", "config", "--json"], cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    # No checkout around an installed package: the folder it is run from is the project.
    assert json.loads(shown.stdout)["REFORM_STATE_DIR"] == str(tmp_path.resolve() / ".state")
