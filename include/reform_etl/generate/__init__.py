"""Sample provincial exports for demos, tests and benchmarks.

Writes a landing directory that looks like what provinces and the ministry really send
(see the export contract, ``exports.md``): one sub-folder per kind, file names
``<province>_<period>[_suffix].<ext>``, Vietnamese headers taken from :mod:`kinds`,
xlsx reports with title rows and merged two-row headers, CSV in UTF-8/UTF-16/Windows-1258,
JSON, and the 2025 merger of 63 provinces into 34. Faults are injected on purpose with
probability ``fault_rate`` per file and listed in ``_manifest.json`` so tests can check
that the pipeline flags each of them.

Everything is derived from ``seed``: each file draws from its own ``random.Random``
keyed by the seed and the file's identity, so the same call gives byte-identical files,
and a file's content does not depend on which other kinds or provinces were requested.

Where things are: :mod:`.plan` decides which files a call writes and runs it; one module per
export kind writes that kind's files (:mod:`.dossier_summary`, :mod:`.dossiers`,
:mod:`.online_services`, :mod:`.online_service_summary`, :mod:`.index_scores`); they share
the provinces and periods (:mod:`.geography`), the procedure list (:mod:`.procedures`), the
run's seeded state (:mod:`.context`), the file formats (:mod:`.formats`), the injected faults
(:mod:`.faults`) and small helpers (:mod:`.common`).
"""

from __future__ import annotations

from .common import (
    FIRST_YEAR,
    LAST_YEAR,
    MANIFEST_NAME,
    MERGER_DATE,
    NATIONAL,
    REFERENCE_DIR,
    UNKNOWN_PROVINCE_CODE,
    UNKNOWN_PROVINCE_NAME,
    GeneratedFile,
    GenerationSummary,
)
from .dossier_summary import LevelFigures, level_figures, write_nghe_an_h1_2022
from .faults import FAULTS
from .formats import FORMAT_EXTENSIONS
from .geography import (
    SPELLING_STYLES,
    Geography,
    Period,
    Unit,
    half_year,
    load_geography,
    month_period,
    province_spelling,
    units_for,
    year_period,
)
from .index_scores import ParField, competition_ranks, national_average, par_fields, split_total
from .online_services import online_mode_text
from .plan import generate
from .procedures import LEVEL_LABELS, Procedure, procedure_pool, procedures_for

__all__ = [
    "FAULTS",
    "FIRST_YEAR",
    "FORMAT_EXTENSIONS",
    "LAST_YEAR",
    "LEVEL_LABELS",
    "MANIFEST_NAME",
    "MERGER_DATE",
    "NATIONAL",
    "REFERENCE_DIR",
    "SPELLING_STYLES",
    "UNKNOWN_PROVINCE_CODE",
    "UNKNOWN_PROVINCE_NAME",
    "GeneratedFile",
    "GenerationSummary",
    "Geography",
    "LevelFigures",
    "ParField",
    "Period",
    "Procedure",
    "Unit",
    "competition_ranks",
    "generate",
    "half_year",
    "level_figures",
    "load_geography",
    "month_period",
    "national_average",
    "online_mode_text",
    "par_fields",
    "procedure_pool",
    "procedures_for",
    "province_spelling",
    "split_total",
    "units_for",
    "write_nghe_an_h1_2022",
    "year_period",
]
