"""One way to fold Vietnamese text: the Python function, every place that builds on it, the dbt macro's lists.

The cases in ``tests/fixtures/text_folding_cases.csv`` are shared with the integration test
that runs the dbt macros in PostgreSQL (``tests/integration/test_fold_text_macro.py``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest

from reform_etl.folding import fold_vietnamese
from reform_etl.generate.common import slugify
from reform_etl.headers import fold_text
from reform_etl.load.normalise import component_code
from reform_etl.pull.base import safe_token
from reform_etl.values import fold, fold_words

ROOT = Path(__file__).resolve().parents[2]
CASES_FILE = ROOT / "tests" / "fixtures" / "text_folding_cases.csv"
MACRO = ROOT / "dbt_project" / "macros" / "fold_text.sql"


def folding_cases() -> list[dict[str, str]]:
    with CASES_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


CASES = folding_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["input"] for c in CASES])
def test_fold_vietnamese_and_the_matching_key(case: dict[str, str]) -> None:
    assert fold_vietnamese(case["input"]) == case["folded"]
    assert fold(case["input"]) == case["key"]
    assert fold_text(case["input"]) == case["key"]


@pytest.mark.parametrize("case", CASES, ids=[c["input"] for c in CASES])
def test_every_place_that_folds_sees_only_the_folded_text(case: dict[str, str]) -> None:
    # Each keeps its own step (case, character set, separator) on top of the one fold, so it
    # cannot tell the original from its folded form.
    original, folded = case["input"], case["folded"]
    assert fold_words(original) == fold_words(folded)
    assert safe_token(original) == safe_token(folded)
    assert slugify(original) == slugify(folded)
    if component_code(folded) != "TOTAL":
        assert component_code(original) == component_code(folded)


def test_the_table_covers_both_d_letters_and_decomposed_input() -> None:
    inputs = "".join(c["input"] for c in CASES)
    assert {"đ", "Đ", "ð", "Ð"} <= set(inputs)
    assert any(unicodedata.is_normalized("NFC", c["input"]) is False for c in CASES)


def _macro_lists() -> tuple[str, str, str]:
    """The from-list, the combining marks appended to it and the to-list of ``strip_diacritics``."""
    text = MACRO.read_text(encoding="utf-8")
    body = text[text.index("{% macro strip_diacritics") : text.index("{%- endmacro %}")]
    found = re.search(r"'([^']+)'\s*\|\|\s*U&'([^']+)',\s*'([^']+)'", body)
    assert found, "strip_diacritics no longer has the shape translate(expr, letters || U&'marks', to)"
    marks = "".join(chr(int(code, 16)) for code in found[2].split("\\")[1:])
    return found[1], marks, found[3]


def test_the_macro_maps_each_letter_as_fold_vietnamese_does() -> None:
    letters, marks, targets = _macro_lists()
    assert len(letters) == len(targets)
    wrong = [(a, b) for a, b in zip(letters, targets, strict=True) if fold_vietnamese(a) != b]
    assert not wrong
    # Every letter of the Latin blocks that fold_vietnamese changes is in the list.
    latin = [chr(cp) for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]]
    changed = {ch for ch in latin if fold_vietnamese(ch) != ch and len(fold_vietnamese(ch)) == 1}
    assert changed == set(letters)
    assert {ch for ch in marks} == {chr(cp) for cp in range(0x300, 0x370) if unicodedata.combining(chr(cp))}
