"""The committed GX File Data Context under ``expectations/``: writing it, reading it.

The suites are synced from code (``reform-etl expectations sync``) and a test keeps the
two equal; at run time they are read back from the context, so an analyst can read or
tune them as plain GX JSON.
"""

from __future__ import annotations

import logging
import os
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import kinds as k
from ..config import settings
from .catalogue import FILE_RULES
from .checks import checks_for, runs_in_sql

DATASOURCE = "frames"
BATCH = "whole_frame"
_IDS = uuid.UUID("5b0c6d1e-3f55-4f0e-9a52-7d1f4c2b9e01")  # namespace for the ids of suites and expectations


def quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


@lru_cache(maxsize=4)
def context(root: str) -> Any:
    quiet_gx()
    import great_expectations as gx

    return gx.get_context(mode="file", project_root_dir=root)


def suite_notes(kind: k.Kind) -> list[str]:
    """What the suite JSON cannot hold: where it runs, and the rules run outside GX."""
    where = (
        f"Runs as SQL on raw.{kind.name} for the delivered file (pushdown), after COPY and before commit."
        if runs_in_sql(kind)
        else "Runs in memory (pandas) on each chunk of typed rows, before COPY."
    )
    notes = [where]
    for rule in FILE_RULES:
        if kind.name in rule.kinds:
            notes.append(f"Also: {rule.rule} ({rule.severity}, {rule.runs_in}) — {rule.title_en} / {rule.title_vi}")
    return notes


def sync_context(root: Path | None = None) -> Path:
    """Write the suites, the in-memory data source and one validation definition per kind."""
    quiet_gx()
    import great_expectations as gx
    from great_expectations.datasource.fluent import PandasDatasource

    root = root or settings().expectations_dir
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    # GX types this setter as ProgressBarsConfig, which would also write metric_calculations
    # into the committed great_expectations.yml; GX stores the plain mapping the same way.
    ctx.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    ctx.variables.analytics_enabled = False
    ctx.variables.save()
    # Reuse what exists: re-adding would mint new ids and make every sync a diff.
    try:
        found = ctx.data_sources.get(DATASOURCE)
    except (KeyError, LookupError, ValueError):
        found = ctx.data_sources.add_pandas(DATASOURCE)
    if not isinstance(found, PandasDatasource):
        raise TypeError(f"{root}: data source {DATASOURCE!r} is a {type(found).__name__}, not the in-memory pandas one")
    source = found
    for kind in k.KINDS.values():
        suite = gx.ExpectationSuite(
            name=kind.name,
            expectations=[check.build() for check in checks_for(kind)],
            meta={
                "kind": kind.name,
                "title": kind.title,
                "notes": {"format": "markdown", "content": suite_notes(kind)},
            },
        )
        # Stable ids, so that a sync without a change in the code is no diff.
        suite.id = str(uuid.uuid5(_IDS, kind.name))
        for check, expectation in zip(checks_for(kind), suite.expectations, strict=True):
            expectation.id = str(uuid.uuid5(_IDS, f"{kind.name}:{check.rule}"))
        suite = ctx.suites.add_or_update(suite)
        try:
            asset = source.get_asset(kind.name)
        except LookupError:
            asset = source.add_dataframe_asset(kind.name)
        try:
            batch = asset.get_batch_definition(BATCH)
        except (KeyError, LookupError):
            batch = asset.add_batch_definition_whole_dataframe(BATCH)
        ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{kind.name}_file", data=batch, suite=suite)
        )
    context.cache_clear()
    return root / "gx"
