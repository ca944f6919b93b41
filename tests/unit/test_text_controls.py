"""The fast control-character count agrees with unicodedata for every character."""

from __future__ import annotations

import sys
import unicodedata

from reform_etl.text_controls import count_controls

ALLOWED = "\t\n\r\x0c"


def test_it_counts_exactly_the_characters_unicodedata_calls_controls() -> None:
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    expected = sum(1 for ch in every if unicodedata.category(ch) == "Cc" and ch not in ALLOWED)
    assert count_controls(every, ALLOWED) == expected == 65 - len(ALLOWED)


def test_text_with_vietnamese_and_line_ends_has_none() -> None:
    assert count_controls("Mã hồ sơ,Cấp\r\nH40-1,Cấp tỉnh\n", ALLOWED) == 0
    assert count_controls("PK\x03\x04\x00\x00", ALLOWED) == 4
