"""The committed GX context under expectations/ says the same as the suites in code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reform_etl import kinds
from reform_etl.validation import checks_for

GX = Path(__file__).resolve().parents[2] / "expectations" / "gx"


@pytest.mark.parametrize("kind", sorted(kinds.KINDS))
def test_committed_suite_matches_the_code(kind: str) -> None:
    stored = json.loads((GX / "expectations" / f"{kind}.json").read_text())
    committed = sorted(
        (e["type"], json.dumps(e["kwargs"], sort_keys=True), e["meta"]["rule"], e["severity"])
        for e in stored["expectations"]
    )
    expected = sorted(
        (
            c.build().expectation_type,
            json.dumps(c.build().configuration.kwargs, sort_keys=True),
            c.rule,
            "critical" if c.severity == "error" else "warning",
        )
        for c in checks_for(kinds.get_kind(kind))
    )
    assert committed == expected, "run `reform-etl expectations sync` and commit expectations/gx"
    assert (GX / "validation_definitions" / f"{kind}_file.json").is_file()


def test_usage_statistics_are_off_in_the_committed_context() -> None:
    config = (GX / "great_expectations.yml").read_text()
    assert "analytics_enabled: false" in config
