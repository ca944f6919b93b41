"""The Airflow Assets that connect the DAGs (data-aware scheduling).

    landing/<kind>  --reform_pull-->  reform_ingest  --raw/<kind>-->  reform_transform
                                                      --marts/<model>-->  reform_report

URIs name what changed, not where it lives (``reform://warehouse/raw/dossier_summary``), so
they are the same on a laptop, in docker compose and in production. The landing Assets
belong to ``reform_pull``: when ``reform_etl.pull.assets`` exists its ``landing_asset(kind)``
(or ``LANDING_ASSETS[kind]``) is used, so both DAGs agree on one definition.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from airflow.sdk import Asset, AssetAlias, AssetAny

from . import kinds
from .airflow_dbt import mart_models

# Emitted by reform_ingest / reform_backfill only for the kinds that got new rows: an
# alias lets one task decide at run time which raw Assets changed.
RAW_ALIAS = AssetAlias("reform_raw_loaded")


def kind_names() -> list[str]:
    return sorted(kinds.KINDS)


@cache
def _pull_assets() -> Any | None:
    try:
        return importlib.import_module("reform_etl.pull.assets")
    except ImportError:
        return None


def landing_asset(kind: str) -> Asset:
    """New files of ``kind`` in the landing folder (written by reform_pull)."""
    pull = _pull_assets()
    if pull is not None:
        if hasattr(pull, "landing_asset"):
            return pull.landing_asset(kind)
        if kind in getattr(pull, "LANDING_ASSETS", {}):
            return pull.LANDING_ASSETS[kind]
    return Asset(name=f"reform_landing_{kind}", uri=f"reform://landing/{kind}", group="reform-landing")


def raw_asset(kind: str) -> Asset:
    """Rows of ``kind`` newly loaded into ``raw.<kind>``."""
    return Asset(name=f"reform_raw_{kind}", uri=f"reform://warehouse/raw/{kind}", group="reform-raw")


def mart_asset(model: str) -> Asset:
    return Asset(name=f"reform_mart_{model}", uri=f"reform://warehouse/marts/{model}", group="reform-marts")


# Stands in for the marts when the dbt manifest has not been built yet, so reform_report
# still has a schedule (the manifest lists the real ones).
ALL_MARTS = Asset(name="reform_marts", uri="reform://warehouse/marts", group="reform-marts")


def landing_assets() -> list[Asset]:
    return [landing_asset(k) for k in kind_names()]


def raw_assets() -> list[Asset]:
    return [raw_asset(k) for k in kind_names()]


def mart_assets() -> list[Asset]:
    """One Asset per mart model in the dbt manifest, plus the umbrella ``reform_marts``."""
    return [mart_asset(m) for m in mart_models()] + [ALL_MARTS]


def any_of(assets: list[Asset]) -> AssetAny:
    return AssetAny(*assets)
