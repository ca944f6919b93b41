"""TCVN3 (ABC) and VNI Windows: reading the Vietnamese encodings from before Unicode.

Offices that still type in the old .VnTime (TCVN3) or VNI-Times fonts save CSV files in
those encodings. Windows-1258 defines almost every byte, so such a file would decode as
Windows-1258 without an error and load as garbage ("B¸o c¸o", "Baùo caùo"). The readers
therefore try each candidate and keep the one whose text reads most like Vietnamese: words
made of Vietnamese letters, with at most one tone mark and the shape of a syllable.

Both encodings are registered as Python codecs ("tcvn3", "vni") from the public code
charts kept as data in ``reference/legacy_encodings/``, so the streaming reader decodes
them like any other encoding.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..values import fold

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

TCVN3 = "tcvn3"
VNI = "vni"
# Shown in messages: what the sender's software calls them.
DISPLAY_NAMES = {TCVN3: "TCVN3 (ABC, .VnTime fonts)", VNI: "VNI Windows (VNI-Times fonts)", "cp1258": "Windows-1258"}
_ALIASES = {"tcvn3": TCVN3, "abc": TCVN3, "tcvn5712_vn3": TCVN3, "vni": VNI, "vni_windows": VNI}
_TABLES = Path(__file__).resolve().parents[1] / "reference" / "legacy_encodings"

# Windows-1258 first: on a tie (a text with no marked letter at all) nothing changes.
CANDIDATES = ("cp1258", TCVN3, VNI)
_SCORED_CHARS = 100_000
_SCORED_BYTES = 128 * 1024


def _rows(name: str) -> list[tuple[bytes, str]]:
    with (_TABLES / name).open(encoding="utf-8", newline="") as f:
        return [
            (bytes.fromhex(row[0]), chr(int(row[1].removeprefix("U+"), 16)))
            for row in csv.reader(f)
            if row and row[0] not in ("byte", "bytes")
        ]


# -- TCVN3: one byte per letter, a charmap codec ------------------------------------------


@cache
def _tcvn3_tables() -> tuple[str, dict[int, int]]:
    decoding = [chr(i) if i < 0x80 else "\ufffe" for i in range(256)]  # \ufffe = undefined
    decoding[0xA0] = "\u00a0"  # no letter there; Windows tools put their no-break space in it
    for code, char in _rows("tcvn3.csv"):
        decoding[code[0]] = char
    table = "".join(decoding)
    encoding = {ord(char): code for code, char in enumerate(table) if char != "\ufffe"}
    # Capitals with a tone have no code: ABC fonts show the lower-case code in capitals.
    for code, char in _rows("tcvn3.csv"):
        if char.islower() and char.upper() != char and ord(char.upper()) not in encoding:
            encoding[ord(char.upper())] = code[0]
    return table, encoding


def _tcvn3_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    # A str decoding table is what CPython's own charmap codecs (encodings/cp1252.py) pass;
    # typeshed's stub admits only the dict and EncodingMap forms.
    return codecs.charmap_decode(data, errors, _tcvn3_tables()[0])  # type: ignore[arg-type]


def _tcvn3_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return codecs.charmap_encode(unicodedata.normalize("NFC", text), errors, _tcvn3_tables()[1])


# -- VNI: a base letter followed by a mark byte -------------------------------------------


@cache
def _vni_tables() -> tuple[re.Pattern[str], dict[str, str], dict[str, bytes], frozenset[str]]:
    # Sequences as Windows-1252 text, longest first so "ôù" (ớ) wins over "ô" (ơ).
    to_unicode = {code.decode("cp1252"): char for code, char in _rows("vni.csv")}
    pattern = re.compile("|".join(re.escape(s) for s in sorted(to_unicode, key=len, reverse=True)))
    to_vni = {char: code for code, char in _rows("vni.csv")}
    starts = frozenset(s[0] for s in to_unicode if len(s) > 1)
    return pattern, to_unicode, to_vni, starts


def _vni_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    pattern, to_unicode, _, _ = _vni_tables()
    text = codecs.decode(data, "cp1252", errors)
    return pattern.sub(lambda m: to_unicode[m.group(0)], text), len(data)


def _vni_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    _, _, to_vni, _ = _vni_tables()
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        out += to_vni.get(char) or codecs.encode(char, "cp1252", errors)
    return bytes(out), len(text)


class _VniIncrementalDecoder(codecs.BufferedIncrementalDecoder):
    """Holds back a last byte that a mark byte in the next chunk may still complete."""

    def _buffer_decode(self, input: ReadableBuffer, errors: str, final: bool) -> tuple[str, int]:
        # The base class passes self.buffer + input, already bytes (bytes() then returns it as is).
        data = bytes(input)
        last = data[-1:].decode("cp1252", "replace")
        keep = 1 if not final and last in _vni_tables()[3] else 0
        text, _ = _vni_decode(data[: len(data) - keep], errors)
        return text, len(data) - keep


def _codec(
    name: str, decode: Callable[[bytes, str], tuple[str, int]], encode: Callable[[str, str], tuple[bytes, int]]
) -> codecs.CodecInfo:
    class IncrementalDecoder(codecs.IncrementalDecoder):
        def decode(self, input: ReadableBuffer, final: bool = False) -> str:
            return decode(bytes(input), self.errors)[0]

    class IncrementalEncoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return encode(text, self.errors)[0]

    class StreamReader(codecs.StreamReader):
        def decode(self, data: bytes, errors: str = "strict") -> tuple[str, int]:
            return decode(data, errors)

    class StreamWriter(codecs.StreamWriter):
        def encode(self, text: str, errors: str = "strict") -> tuple[bytes, int]:
            return encode(text, errors)

    return codecs.CodecInfo(
        name=name,
        encode=encode,  # type: ignore[arg-type]
        decode=decode,  # type: ignore[arg-type]
        incrementalencoder=IncrementalEncoder,
        incrementaldecoder=_VniIncrementalDecoder if name == VNI else IncrementalDecoder,
        streamreader=StreamReader,
        streamwriter=StreamWriter,
    )


def _search(name: str) -> codecs.CodecInfo | None:
    found = _ALIASES.get(name.replace("-", "_"))
    if found == TCVN3:
        return _codec(TCVN3, _tcvn3_decode, _tcvn3_encode)
    if found == VNI:
        return _codec(VNI, _vni_decode, _vni_encode)
    return None


codecs.register(_search)


# -- which encoding a text is in ----------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")
_VOWEL = re.compile("[aeiouy]")
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook above, dot below
_VOWEL_MARKS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn
# The vowel nuclei of Vietnamese syllables, marks set aside (iêu -> ieu, ươi -> uoi).
_NUCLEI = (
    "oai oay oeo uay uoi uou uya uye uyu ieu yeu "
    "ai ao au ay eo eu ia ie iu oa oe oi oo ua ue ui uo uu uy ye a e i o u y"
).split()
_SYLLABLE = re.compile(
    rf"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?(?:{'|'.join(_NUCLEI)})(?:ch|ng|nh|[ckmnpt])?"
)


def _is_vietnamese_word(word: str) -> bool:
    """Whether a word with marks could be a Vietnamese syllable (letters, marks and shape)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(ch in _TONES for ch in decomposed) > 1:
        return False
    # Latin letters and đ, the five tones and the three vowel shapes: nothing else (no ø, å, ¸).
    if not all("a" <= ch <= "z" or ch == "đ" or ch in _TONES or ch in _VOWEL_MARKS for ch in decomposed):
        return False
    return bool(_SYLLABLE.fullmatch(fold(word)))


def plausibility(text: str) -> float:
    """Share of the distinct words with marks that could be Vietnamese syllables (1.0 when none has).

    Distinct words, so one odd value repeated down a column does not outweigh the header;
    words without a vowel ("Đ", "TP") are abbreviations and say nothing either way.
    """
    marked = {
        w
        for w in _WORD.findall(text[:_SCORED_CHARS])
        if not w.isascii() and _VOWEL.search(unicodedata.normalize("NFD", w.lower()))
    }
    if not marked:
        return 1.0
    return sum(_is_vietnamese_word(w) for w in marked) / len(marked)


def most_plausible(head: bytes, complete: bool) -> tuple[str, bool]:
    """The candidate encoding whose decoding reads most like Vietnamese, and whether it decodes cleanly.

    A candidate that fails somewhere is still scored (its bad bytes replaced), so a file in
    TCVN3 with a byte outside the table is named as TCVN3 rather than read as Windows-1258.
    """
    # The first part of the sample is enough to judge; the caller decodes all of it afterwards.
    if len(head) > _SCORED_BYTES:
        head, complete = head[:_SCORED_BYTES], False
    best: tuple[float, int, str, bool] | None = None
    for order, name in enumerate(CANDIDATES):
        try:
            text = codecs.getincrementaldecoder(name)("strict").decode(head, final=complete)
            clean = True
        except UnicodeDecodeError:
            text = codecs.getincrementaldecoder(name)("replace").decode(head, final=complete)
            clean = False
        key = (plausibility(unicodedata.normalize("NFC", text)) - (0 if clean else 0.01), -order, name, clean)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:  # the candidate list is a constant and never empty
        raise RuntimeError("no legacy encoding to try")
    return best[2], best[3]
