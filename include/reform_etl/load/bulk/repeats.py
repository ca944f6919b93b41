"""The repeat filter: which rows may repeat a key seen earlier in the file.

Hashes and a Bloom filter only find *candidates*, at vectorised cost and in fixed memory;
the load confirms each against the rows already written before rejecting it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .cells import data_of, offsets_of

_P1, _P2 = np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


def key_hash(columns: list[pa.Array]) -> np.ndarray:
    """A 64-bit hash per row of the key columns: equal keys, equal hashes.

    It only finds *candidate* repeats; each is held back and confirmed against the
    file's written rows, so a collision costs a lookup, never a wrong rejection.
    """
    out = np.zeros(len(columns[0]) if columns else 0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            text = column if column.type == pa.string() else column.cast(pa.string())
            out = out * _P2 + string_hash(text.fill_null("\x00"))
        # MurmurHash3's finaliser: every output bit depends on every input bit.
        for multiplier in (_MIX1, _MIX2):
            out ^= out >> np.uint64(33)
            out *= multiplier
        out ^= out >> np.uint64(33)
    return out


def string_hash(arr: pa.Array) -> np.ndarray:
    """Polynomial hash of each string's bytes (mod 2**64), mixed with its length."""
    offsets = offsets_of(arr).astype(np.int64)
    lengths = np.diff(offsets)
    data = data_of(arr)[offsets[0] : offsets[-1]]
    if not len(data):
        return lengths.astype(np.uint64)
    longest = int(lengths.max())
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(longest, _P1, dtype=np.uint64))
        if (lengths == longest).all():
            # One width (identifiers usually have it): a column at a time, no per-byte index.
            grid = data.reshape(len(lengths), longest)
            sums = np.zeros(len(lengths), dtype=np.uint64)
            for i in range(longest):
                sums += grid[:, i].astype(np.uint64) * powers[i]
        else:
            starts = offsets[:-1] - offsets[0]
            position = np.arange(len(data), dtype=np.int64) - np.repeat(starts, lengths)
            weighted = np.append(data.astype(np.uint64) * powers[position], np.uint64(0))
            sums = np.add.reduceat(weighted, np.minimum(starts, len(data)))
            sums[lengths == 0] = 0
        return sums * _P2 + lengths.astype(np.uint64)


class SeenKeys:
    """The keys seen so far, as a blocked Bloom filter of fixed size.

    A fixed 32 MB, however long the file, keeps memory flat; a false "seen" only makes
    a key a candidate, which the written rows then confirm or clear. That confirmation
    reads back every row the file has written so far (about a second per million rows),
    so the filter spends seven bits of each key's word: with three, a million distinct
    keys gave a dozen false candidates; with seven, usually none.
    """

    PROBES = 7  # 6-bit positions taken from the hash above the word index (22 + 7 x 6 <= 64)

    def __init__(self, words: int = 1 << 22) -> None:
        if words & (words - 1) or not 0 < words <= 1 << 22:
            raise ValueError("words must be a power of two no larger than 2**22")
        self.bits = np.zeros(words, dtype=np.uint64)
        self.slot = np.uint64(words - 1)

    def repeats(self, hashes: np.ndarray) -> np.ndarray:
        """True where a key may have been seen before (earlier in this batch or before it)."""
        word = (hashes & self.slot).astype(np.int64)
        one, six = np.uint64(1), np.uint64(63)
        probe = np.zeros(len(hashes), dtype=np.uint64)
        for i in range(self.PROBES):
            probe |= one << ((hashes >> np.uint64(22 + 6 * i)) & six)
        seen = (self.bits[word] & probe) == probe
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        seen[order[1:]] |= ordered[1:] == ordered[:-1]
        np.bitwise_or.at(self.bits, word, probe)
        return seen
