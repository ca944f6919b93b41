"""Both static sites, byte for byte (up to whitespace), against committed golden copies.

Sample exports from a fixed seed, with injected faults so the data-quality report has
rejected files, rejected rows and warnings to show, go through the real pipeline; then the
data-quality report and the scorecard dashboard are written and every HTML page is compared
with ``tests/fixtures/golden_reports/``. The golden pages were written by the renderers as
they were before their markup moved into templates; any change to a page shows here.

Pinned rather than masked: the run id (a parameter of the pipeline) and the report's
"as of" date (a parameter of ``write_report``). Masked, because they are facts of this run
and nothing else: date-times that fall inside the test's own run, in the forms the pages
show them (``03/12/2026 15:31``, ``2026-12-03T08:31:33Z``, GX's ``20261203T083207.621921Z``;
the "generated" stamps, when files were received), a bare date that is the day the test ran
(when a file was received, when lateness starts to be judged), and the test's temporary
landing folder (quoted in messages about copies already loaded). GX's own pages under
``gx/`` (its renderer, not ours) are left out; the index the report writes for them is
compared.

Set ``REFORM_UPDATE_GOLDEN=1`` to rewrite the golden copies after an intended change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from reform_etl import generate, pipeline
from reform_etl.dashboard import write_dashboard
from reform_etl.report import write_report

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden_reports"
RUN_ID = "golden-run"
AS_OF = date(2025, 12, 31)
SHOWN = (  # how the pages write a moment, each with its groups in the order y, m, d, H, M[, S]
    (re.compile(r"\b(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})\b"), (2, 1, 0, 3, 4)),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), None),
    (re.compile(r"\b(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z?"), None),
)
DAY = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")
SPACE = re.compile(r"\s+")
GX_OWN = ("gx/expectations/", "gx/validations/", "gx/static/")


def _mask_run_times(text: str, started: datetime, finished: datetime, landing: Path) -> str:
    """Replace exactly the moments (UTC or Vietnam time), days and temporary path of this run."""
    low, high = started - timedelta(minutes=1), finished + timedelta(minutes=1)
    days = {(moment + timedelta(hours=h)).date() for moment in (started, finished) for h in (0, 7)}

    def moment(order: tuple[int, ...] | None) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            groups = [int(g) for g in match.groups()]
            if order is not None:
                groups = [groups[i] for i in order]
            try:
                shown = datetime(*groups[:5], groups[5] if len(groups) > 5 else 0, tzinfo=UTC)
            except ValueError:
                return match.group(0)
            for offset in (0, 7):  # the report shows Vietnam time, GX shows UTC
                if low - timedelta(seconds=59) <= shown - timedelta(hours=offset) <= high:
                    return "<run time>"
            return match.group(0)

        return replace

    def day(match: re.Match[str]) -> str:
        d, m, y = (int(g) for g in match.groups())
        try:
            return "<run day>" if date(y, m, d) in days else match.group(0)
        except ValueError:
            return match.group(0)

    text = text.replace(str(landing), "<landing>")
    for pattern, order in SHOWN:
        text = pattern.sub(moment(order), text)
    return DAY.sub(day, text)


def _normalised(text: str) -> str:
    """Whitespace runs as one space, and none beside a tag's angle brackets."""
    text = SPACE.sub(" ", text).strip()
    return re.sub(r" ?([<>]) ?", r"\1", text)


def _pages(root: Path) -> dict[str, Path]:
    found = {p.relative_to(root).as_posix(): p for p in root.rglob("*.html")}
    return {name: path for name, path in found.items() if not name.partition("/")[2].startswith(GX_OWN)}


@pytest.fixture
def sites(warehouse_url: str, landing: Path, tmp_path: Path) -> tuple[Path, datetime, datetime, Path]:
    started = datetime.now(UTC)
    generate.generate(landing, provinces=6, years=(2023, 2024, 2025), dossier_rows=1500, fault_rate=0.15, seed=16)
    pipeline.prepare(warehouse_url, run_id=RUN_ID, trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id=RUN_ID)
    pipeline.transform(warehouse_url, run_id=RUN_ID)
    out = tmp_path / "reports"
    write_report(warehouse_url, out / "dq", as_of=AS_OF)
    write_dashboard(warehouse_url, out / "scorecard")  # after the report, so it links to it
    return out, started, datetime.now(UTC), landing


def test_both_sites_match_their_golden_copies(sites: tuple[Path, datetime, datetime, Path]) -> None:
    out, started, finished, landing = sites
    written = {
        name: _mask_run_times(path.read_text(encoding="utf-8"), started, finished, landing)
        for name, path in _pages(out).items()
    }
    assert any(n.startswith("dq/province/") for n in written) and any(n.startswith("scorecard/") for n in written)
    if os.environ.get("REFORM_UPDATE_GOLDEN") == "1":
        for name, text in written.items():
            target = GOLDEN / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    golden = {name: path.read_text(encoding="utf-8") for name, path in _pages(GOLDEN).items()}
    assert sorted(written) == sorted(golden), "the sites' pages differ from the golden set"
    changed = [name for name in sorted(golden) if _normalised(written[name]) != _normalised(golden[name])]
    for name in changed[:3]:
        new, old = _normalised(written[name]), _normalised(golden[name])
        at = next((i for i, (a, b) in enumerate(zip(new, old, strict=False)) if a != b), min(len(new), len(old)))
        print(
            f"{name} differs at {at}:\n  golden: {old[max(0, at - 150) : at + 150]}\n  now:    {new[max(0, at - 150) : at + 150]}"
        )
    assert not changed, f"{len(changed)} page(s) differ from the golden copies: {changed[:10]}"
