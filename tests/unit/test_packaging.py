"""The package declares what it imports, and the lock holds versions the declaration allows."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
TEST_TOOLS = {"pytest", "pytest-timeout", "hypothesis", "xlwt", "ruff", "moto", "mypy"}
# The type checker's stubs are lint tools too.
TEST_TOOLS |= {"pandas-stubs", "types-croniter", "types-openpyxl", "types-paramiko", "types-pyyaml", "types-requests"}


def _declared(requirements: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in map(Requirement, requirements)}


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[canonicalize_name(name.split("[")[0])] = version.strip()
    return pins


def _imported_top_level_modules() -> set[str]:
    """Every module imported anywhere in the library and the DAGs, at any depth (lazy imports too).

    Imports under ``if TYPE_CHECKING:`` are left out: only the type checker runs them.
    """
    names: set[str] = set()
    for path in [*(ROOT / "include" / "reform_etl").rglob("*.py"), *(ROOT / "dags").glob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for block in ast.walk(tree):
            if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING":
                block.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"reform_etl"}


def test_every_imported_package_is_a_declared_runtime_dependency():
    declared = set(_declared(PROJECT["dependencies"]))
    providers = metadata.packages_distributions()
    missing = []
    for module in sorted(_imported_top_level_modules()):
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        assert distributions, f"{module} is imported but no installed distribution provides it"
        # A module several distributions provide (airflow, dbt) needs one of them declared
        # that brings the module: apache-airflow brings airflow, dbt-core brings dbt.
        shared = len(distributions) > 1
        if not distributions & declared and not (shared and _brought_by(declared, distributions)):
            missing.append(f"{module} ({', '.join(sorted(distributions))})")
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def _brought_by(declared: set[str], distributions: set[str]) -> bool:
    for name in declared:
        for requirement in metadata.requires(name) or []:
            if canonicalize_name(Requirement(requirement).name) in distributions:
                return True
    return False


def test_every_declared_range_holds_the_locked_version():
    lock = _lock()
    everything = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]
    for name, requirement in _declared(everything).items():
        assert name in lock, f"{name} is declared but not in requirements.txt"
        assert requirement.specifier.contains(lock[name]), f"{requirement} does not allow the locked {lock[name]}"


def test_the_top_level_pins_are_the_declared_packages():
    pinned = set()
    for line in (ROOT / "requirements.in").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)(\[[^]]*\])?==", line):
            pinned.add(canonicalize_name(match[1]))
    declared = set(_declared(PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]))
    assert pinned == declared, (sorted(pinned - declared), sorted(declared - pinned))


def test_test_tools_are_an_extra_not_runtime_dependencies():
    assert not TEST_TOOLS & set(_declared(PROJECT["dependencies"]))
    assert set(_declared(PROJECT["optional-dependencies"]["test"])) == TEST_TOOLS


def test_the_makefile_installs_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install -q --disable-pip-version-check -r requirements.txt" in makefile
    assert "pip check" in makefile
