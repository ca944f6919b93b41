"""The dbt folding macros give in PostgreSQL what the Python functions give, case for case.

The macros are compiled by dbt itself (``dbt compile --inline``) and the compiled SQL runs
in a real PostgreSQL over ``tests/fixtures/text_folding_cases.csv``, the table the Python
unit test (``tests/unit/test_folding.py``) checks :func:`reform_etl.folding.fold_vietnamese`
and :func:`reform_etl.values.fold` against.
"""

from __future__ import annotations

import psycopg
import pytest

from reform_etl.config import settings
from reform_etl.transform import dbt_environment, temporary_environment
from tests.unit.test_folding import folding_cases

pytestmark = pytest.mark.integration

CASES_SQL = """
select {{ strip_diacritics('c.input') }} as folded, {{ fold_text('c.input') }} as key
from unnest(%(inputs)s::text[]) with ordinality as c(input, n)
order by c.n
"""


def _compiled(url: str, sql: str) -> str:
    from dbt.cli.main import dbtRunner

    project = settings().dbt_project_dir
    with temporary_environment(dbt_environment(url)):
        outcome = dbtRunner().invoke(["compile", "--inline", sql, "--project-dir", str(project), "--quiet"])
    assert outcome.success, outcome.exception
    return str(outcome.result.results[0].node.compiled_code)


def test_the_macros_fold_every_case_like_python(warehouse_url: str) -> None:
    cases = folding_cases()
    sql = _compiled(warehouse_url, CASES_SQL)
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(sql, {"inputs": [c["input"] for c in cases]}).fetchall()
    expected = [(c["folded"], c["key"]) for c in cases]
    wrong = [(c["input"], got, want) for c, got, want in zip(cases, rows, expected, strict=True) if got != want]
    assert not wrong
    assert len(rows) == len(cases)
