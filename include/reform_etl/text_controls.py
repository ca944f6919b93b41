"""Count control characters in a text sample at C speed.

The readers refuse a "text" file whose sample is more than a small share of control
characters (binary data saved as .csv). Asking ``unicodedata.category`` for each of up to
65 536 characters costs milliseconds per call, and the check runs twice per delivered file
(the row reader's sniff and the bulk path's). Unicode's category Cc is exactly U+0000-U+001F
and U+007F-U+009F, so one regular expression finds the same characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Unicode category Cc, which is fixed by the standard (no later version adds to it).
CONTROL_RANGES = ((0x00, 0x1F), (0x7F, 0x9F))


@lru_cache(maxsize=8)
def _pattern(allowed: frozenset[str]) -> re.Pattern[str]:
    chars = [chr(c) for low, high in CONTROL_RANGES for c in range(low, high + 1) if chr(c) not in allowed]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


def count_controls(text: str, allowed: Iterable[str] = ()) -> int:
    """How many characters of ``text`` are in category Cc and not in ``allowed`` (tab, line ends...)."""
    return sum(1 for _ in _pattern(frozenset(allowed)).finditer(text))
