"""The faults injected on purpose: whole-file ones, bad numbers, and wrong or old province names."""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .common import UNKNOWN_PROVINCE_CODE, UNKNOWN_PROVINCE_NAME, GeneratedFile, slugify
from .context import Context, Job
from .formats import FORMAT_EXTENSIONS
from .geography import SPELLING_STYLES, province_spelling

# Short codes recorded in GeneratedFile.faults, with what the pipeline should do about them.
FAULTS: dict[str, str] = {
    "wrong_printed_rate": "a printed rate is 2-10 points off the computed one (warning)",
    "unknown_province": "province code 99 / 'Tỉnh Không Tồn Tại' in the name or a row (rejected)",
    "bad_number": "a count like '12,5', '-3' or 'n/a' (row rejected)",
    "duplicate_delivery": "an exact byte copy of another file under another name (duplicate)",
    "truncated": "an xlsx or json file cut in half (file rejected as unreadable)",
    "total_mismatch": "the 'Tổng cộng' row differs from the column sums (warning)",
    "district_after_merger": "a 'Cấp huyện' row in a period from 2025-07-01 (row rejected)",
    "bad_date": "31/02/yyyy or a month-first date in a dossier record (row rejected)",
    "duplicate_dossier_id": "a dossier id repeated inside one delivery (row rejected)",
    "old_name_after_merger": "a pre-merger province name/code for a post-merger period (mapped, warning)",
}


def finalise(ctx: Context, job: Job, path: Path, province_code: str, fault: str | None) -> list[GeneratedFile]:
    """Apply the whole-file faults and describe what was written."""
    if fault == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    own_faults = [fault] if fault and fault != "duplicate_delivery" else []
    files = [GeneratedFile(path, job.kind, province_code, job.period.label, job.fmt, own_faults)]
    if fault == "duplicate_delivery":
        suffix = ctx.rng(job.key, "copy").choice(("gui_lai", "ban_sao", "gui_bo_sung"))
        copy = ctx.claim(job.kind, f"{path.stem}_{suffix}{path.suffix}")
        shutil.copyfile(path, copy)
        files.append(GeneratedFile(copy, job.kind, province_code, job.period.label, job.fmt, ["duplicate_delivery"]))
    return files


def bad_number_text(rng: random.Random, comma_grouping: bool) -> str:
    # '12,5' is a fraction where the comma is the decimal mark; in comma-grouped files use '12.5'.
    return rng.choice(("12.5" if comma_grouping else "12,5", "-3", "n/a"))


@dataclass(frozen=True)
class Naming:
    """Where a file says which province it is about."""

    file_code: str | None  # code in the file name, None for a neutral name
    content_province: str | None  # province written in the content, None when absent
    province_code: str  # what the manifest records


def choose_naming(
    ctx: Context,
    job: Job,
    rng: random.Random,
    fault: str | None,
    *,
    neutral_share: float,
    content_share: float,
) -> Naming:
    unit = job.place
    if fault == "unknown_province":
        if rng.random() < 0.5:
            return Naming(UNKNOWN_PROVINCE_CODE, None, UNKNOWN_PROVINCE_CODE)
        return Naming(None, UNKNOWN_PROVINCE_NAME, UNKNOWN_PROVINCE_CODE)
    if fault == "old_name_after_merger":
        renamed = [(c, n) for c, n in zip(unit.constituents, unit.constituent_names, strict=True) if n != unit.name]
        old_code, old_name = rng.choice(renamed)
        if old_code != unit.code and rng.random() < 0.5:
            return Naming(old_code, None, unit.code)
        return Naming(None, old_name, unit.code)
    spelled = province_spelling(unit, rng.choice(SPELLING_STYLES), rng)
    if rng.random() < neutral_share:
        return Naming(None, spelled, unit.code)
    return Naming(unit.code, spelled if rng.random() < content_share else None, unit.code)


def export_file_name(naming: Naming, job: Job, rng: random.Random, suffixes: Sequence[str], neutral_prefix: str) -> str:
    ext = FORMAT_EXTENSIONS[job.fmt]
    if naming.file_code is not None:
        suffix = rng.choice(list(suffixes))
        return f"{naming.file_code}_{job.period.label}{suffix}.{ext}"
    who = slugify(naming.content_province or "")
    return f"{neutral_prefix}_{who}_{job.period.slug()}.{ext}"
