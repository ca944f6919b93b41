"""The sample exports ``make run`` loads: a generated national slice plus the Nghệ An report."""

from __future__ import annotations

from pathlib import Path

from .generate import generate, write_nghe_an_h1_2022

NGHE_AN_FILE = "40_2022-H1_bao-cao-ket-qua-giai-quyet-tthc.xlsx"


def write_samples(landing: Path, *, provinces: int = 6, seed: int = 42) -> int:
    """Write sample exports under ``landing`` and return how many files were written."""
    summary = generate(
        landing,
        provinces=provinces,
        years=(2024, 2025),
        dossier_rows=3000,
        fault_rate=0.1,
        seed=seed,
    )
    summary.write_manifest()
    target = landing / "dossier_summary" / NGHE_AN_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    write_nghe_an_h1_2022(target)
    return len(summary.files) + 1
