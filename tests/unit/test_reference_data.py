"""Each reference list has one copy, read by the loader as package data and by dbt as a seed.

``dbt_project/reference`` links to ``include/reform_etl/reference`` and is one of dbt's seed
paths; ``dbt_project/seeds`` keeps only the lists the warehouse alone uses.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import reform_etl

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_REFERENCE = Path(reform_etl.__file__).resolve().parent / "reference"
DBT = ROOT / "dbt_project"


def _csv_names(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*.csv")}


def test_no_reference_csv_is_kept_twice() -> None:
    package = {Path(name).name for name in _csv_names(PACKAGE_REFERENCE)}
    seeds = {Path(name).name for name in _csv_names(DBT / "seeds")}
    assert package, "the package's reference lists are missing"
    assert not package & seeds, f"in both {PACKAGE_REFERENCE} and {DBT / 'seeds'}: {sorted(package & seeds)}"


def test_dbt_seeds_the_package_reference_folder_through_a_link() -> None:
    link = DBT / "reference"
    # A relative link inside the project: it survives copies of the checkout and Cosmos's temporary project.
    assert link.is_symlink() and not Path(link.readlink()).is_absolute()
    assert link.resolve() == PACKAGE_REFERENCE
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert set(project["seed-paths"]) == {"seeds", "reference"}
    # The image keeps the package sources next to the dbt project, so the link resolves there too.
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^COPY .*\binclude /opt/reform/include$", dockerfile, re.M)
    assert re.search(r"^COPY .*\bdbt_project /opt/reform/dbt_project$", dockerfile, re.M)


def test_every_package_csv_is_a_described_seed_or_kept_out_of_the_warehouse() -> None:
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    seed_config = project["seeds"]["reform_cchc"]
    disabled = {
        name for name, config in seed_config.items() if isinstance(config, dict) and config.get("+enabled") is False
    }
    described = {seed["name"] for seed in yaml.safe_load((DBT / "seeds" / "_seeds.yml").read_text())["seeds"]}
    for name in _csv_names(PACKAGE_REFERENCE):
        top, _, rest = name.partition("/")
        stem = Path(name).stem
        if rest:
            assert top in disabled, f"{name}: a sub-folder of reference/ becomes seeds unless disabled"
        else:
            assert (stem in described) != (stem in disabled), f"{name}: describe it in _seeds.yml or disable it"
