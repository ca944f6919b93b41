"""The one way Vietnamese text loses its diacritics, for every matching key and plain-letter name.

Header matching, province and vocabulary keys, component codes, safe file names and the
sample generator all start from :func:`fold_vietnamese` and add only their own step (lower
case, a character set, a separator). The dbt macro ``strip_diacritics`` in
``dbt_project/macros/fold_text.sql`` does the same in SQL; both are checked against one
table of cases, ``tests/fixtures/text_folding_cases.csv``.
"""

from __future__ import annotations

import unicodedata

# đ/Đ are letters of their own, not d plus a mark, so NFD leaves them alone. The Icelandic
# eth ð/Ð looks the same and turns up in files typed with the wrong keyboard layout.
_D_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def fold_vietnamese(text: str) -> str:
    """``text`` without tone marks and diacritics, case and everything else kept: 'Đắk Lắk' -> 'Dak Lak'.

    Works on composed (NFC) and decomposed (NFD, as Windows-1258 and Mac tools write) input alike.
    """
    if text.isascii():
        return text  # nothing to strip; most cells a header search looks at are plain ASCII
    decomposed = unicodedata.normalize("NFD", text.translate(_D_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
