"""Hand-made deliveries with a chosen delivery time (the file's modification time).

The delivery order decides which of two figures is current, so the tests that load the
same files in several ways write them here, each with the moment it was delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reform_etl.delivery import mark_delivered

from . import marts_fixtures as fx

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def summary(landing: Path, name: str, line: str, when: datetime) -> Path:
    """A one-line dossier summary (``fx.SUMMARY_HEADER`` columns) delivered at ``when``."""
    folder = landing / "dossier_summary"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(fx.SUMMARY_HEADER + line, encoding="utf-8")
    mark_delivered(path, when)
    return path


def records(landing: Path, delivery: tuple[str, list[str]], when: datetime) -> Path:
    """A record-level dossier log (``fx.DOSSIER_HEADER`` columns) delivered at ``when``."""
    path = fx.write_records(landing, delivery)
    mark_delivered(path, when)
    return path


def many_records(landing: Path, name: str, rows: int, when: datetime) -> Path:
    """A month of Hà Nội's records large enough that loading it takes a few seconds."""
    lines = [
        f"HN-{n:07d},1.001450,Đăng ký đất đai,Cấp xã,Trực tuyến,{1 + n % 28:02d}/11/2025 08:00,"
        f"{1 + n % 28:02d}/12/2025 17:00,{'' if n % 5 == 0 else f'{1 + n % 28:02d}/11/2025 16:00'}"
        for n in range(rows)
    ]
    return records(landing, (name, lines), when)
