"""One run's seeded state (randomness, claimed names, fault draws, province traits) and one planned file."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reform_etl.delivery import mark_delivered

from .common import NATIONAL, GeneratedFile
from .geography import Geography, Period, Unit


@dataclass
class Job:
    kind: str
    period: Period
    unit: Unit | None
    variant: str = ""
    fmt: str = ""
    rows: int = 0

    @property
    def key(self) -> str:
        code = self.unit.code if self.unit else NATIONAL
        return f"{self.kind}:{self.variant}:{code}:{self.period.label}"

    @property
    def place(self) -> Unit:
        """The unit of a per-unit file; the national files have none and never ask."""
        if self.unit is None:
            raise ValueError(f"{self.key}: this file is written per unit, and the job has none")
        return self.unit


@dataclass
class Context:
    out_dir: Path
    seed: int
    fault_rate: float
    geo: Geography
    used_names: set[str] = field(default_factory=set)

    def rng(self, *parts: object) -> random.Random:
        # Seeding with a string is stable across runs and Python processes.
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def claim(self, kind: str, file_name: str) -> Path:
        """A path in the kind's folder that no other generated file uses."""
        stem, dot, ext = file_name.rpartition(".")
        candidate, n = file_name, 1
        while f"{kind}/{candidate}" in self.used_names:
            n += 1
            candidate = f"{stem}_{n}{dot}{ext}"
        self.used_names.add(f"{kind}/{candidate}")
        return self.out_dir / kind / candidate

    def draw_fault(self, job: Job, applicable: Sequence[str]) -> str | None:
        rng = self.rng(job.key, "fault")
        hit = rng.random() < self.fault_rate
        choice = rng.choice(list(applicable)) if applicable else None
        return choice if hit else None

    def size(self, unit: Unit) -> float:
        """Relative size 0..1 of a province (drives dossier volumes)."""
        sizes = [self._old_size(c) for c in unit.constituents]
        return min(1.0, sum(sizes) * (1.0 if len(sizes) == 1 else 0.8))

    def _old_size(self, code: str) -> float:
        big = {"01": 1.0, "79": 1.0, "31": 0.7, "48": 0.6, "74": 0.65, "75": 0.6, "38": 0.6, "40": 0.6, "92": 0.5}
        if code in big:
            return big[code]
        return self.rng("size", code).uniform(0.08, 0.45)

    def strength(self, unit: Unit, index: str) -> float:
        """How well a province does in an index, in standard deviations, stable over years."""
        values = [self._old_strength(c, index) for c in unit.constituents]
        return sum(values) / len(values)

    def _old_strength(self, code: str, index: str) -> float:
        if index == "PAR" and code == "22":
            return 2.6  # Quảng Ninh has led the PAR Index in most years
        base = self.rng("strength", code).gauss(0, 1)
        own = self.rng("strength", code, index).gauss(0, 1)
        return max(-2.5, min(2.0, 0.6 * base + 0.8 * own if index != "PAR" else base))


def creation_time(period: Period) -> dt.datetime:
    # Reports are saved shortly after the period closes.
    return dt.datetime.combine(period.end + dt.timedelta(days=12), dt.time(8, 30))


_VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))


def date_deliveries(files: Sequence[GeneratedFile], period: Period) -> None:
    """Give each file the day it would have been sent as its modification time.

    The delivery order decides which of two figures is current, so sample exports carry a
    fixed one: the day the report was saved, a copy sent again the day after. Without it
    the order would be that of the file system's clock ticks while the generator wrote.
    """
    for generated in files:
        sent = creation_time(period) + dt.timedelta(days=1 if "duplicate_delivery" in generated.faults else 0)
        mark_delivered(generated.path, sent.replace(tzinfo=_VIETNAM_TIME))
