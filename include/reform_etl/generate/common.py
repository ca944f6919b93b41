"""Shared by every part of the generator: constants, what was written, reference files, helpers."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from reform_etl.folding import fold_vietnamese
from reform_etl.kinds import get_kind

# The package data lives beside the generator's parent package, in reform_etl/reference.
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
MANIFEST_NAME = "_manifest.json"
MERGER_DATE = dt.date(2025, 7, 1)
FIRST_YEAR, LAST_YEAR = 2019, 2025
NATIONAL = "VN"
UNKNOWN_PROVINCE_CODE = "99"
UNKNOWN_PROVINCE_NAME = "Tỉnh Không Tồn Tại"

# --------------------------------------------------------------------------- results


@dataclass
class GeneratedFile:
    path: Path
    kind: str
    province_code: str  # GSO code the file is about ('VN' for national files, '99' when unknown)
    period_label: str
    format: str  # xlsx, xlsx-report, csv-utf8, csv-utf8-bom, csv-utf16, csv-cp1258, csv-utf8-nfd, json, jsonl
    faults: list[str] = field(default_factory=list)

    def to_manifest(self, root: Path) -> dict[str, object]:
        return {
            "path": self.path.relative_to(root).as_posix(),
            "kind": self.kind,
            "province_code": self.province_code,
            "period_label": self.period_label,
            "format": self.format,
            "faults": list(self.faults),
        }


@dataclass
class GenerationSummary:
    out_dir: Path
    files: list[GeneratedFile]
    parameters: dict[str, object] = field(default_factory=dict)

    def counts_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        return dict(sorted(counts.items()))

    def fault_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            for fault in f.faults:
                counts[fault] = counts.get(fault, 0) + 1
        return dict(sorted(counts.items()))

    def write_manifest(self) -> Path:
        """Write ``_manifest.json``; the leading underscore keeps the pipeline away from it."""
        path = self.out_dir / MANIFEST_NAME
        document = {
            "generator": "reform_etl.generate",
            "parameters": self.parameters,
            "counts_by_kind": self.counts_by_kind(),
            "fault_counts": self.fault_counts(),
            "files": [f.to_manifest(self.out_dir) for f in self.files],
        }
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path


# --------------------------------------------------------------------------- reference data


def read_reference(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- text helpers


def slugify(text: str) -> str:
    ascii_text = fold_vietnamese(text).lower()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return "_".join(words)


def percent_of(part: int, whole: int) -> float:
    if whole <= 0:
        return 0.0
    value = Decimal(part) * 100 / Decimal(whole)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def round2(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def apportion(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], rng.random()))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def pick_label(rng: random.Random, labels: Sequence[str]) -> str:
    # The first label is the usual one; others turn up in a minority of files.
    return labels[0] if rng.random() < 0.5 else rng.choice(list(labels))


def column_labels(kind: str, column: str) -> tuple[str, ...]:
    return get_kind(kind).column(column).labels
