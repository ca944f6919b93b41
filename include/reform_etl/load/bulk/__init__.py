"""The bulk path for large CSV exports: Arrow reads and types, PostgreSQL gets binary COPY.

Per-row Python costs about 150 µs a row, 60 times PostgreSQL's own ``COPY``; typing the
cells with SQL expressions after a text ``COPY`` still costs about 60 µs a row. This path
reads the file with Arrow's streaming CSV reader, types whole columns at once with Arrow
compute and NumPy, checks them with the kind's committed GX suite on the same batches
(:mod:`reform_etl.validation.arrow_suite`), and streams the accepted rows straight into
``raw.<kind>`` as binary ``COPY`` (which PostgreSQL ingests faster than CSV: there is no
text to parse). Reading, typing and validating run in a background thread while the main
thread feeds ``COPY``, and memory stays flat: one batch at a time, never the whole file.

The semantics are the row path's, value for value:

- cells are those Python's ``csv`` module gives, numbered by the physical line a person
  sees; each is cleaned like :func:`reform_etl.readers.table.clean_cell` (trimmed, NFC);
- values in the common fixed shapes (plain ASCII codes and text, ``05/03/2024 08:30``,
  ``2024-03-05``) are typed vectorised by rules that agree with :mod:`reform_etl.values`
  on exactly those shapes; every other distinct value is handed to the row path's own
  parser (:data:`reform_etl.load.normalise.PARSERS`) once, so odd values and the wording of
  every rejection are exactly the row path's;
- rows the row reader would treat specially (spacers, footers, total rows, a repeated
  header) are recognised by a cheap test and then sorted by the row reader's own
  :class:`~reform_etl.readers.table.RowSorter`;
- identity (period, province), the district-after-merger rule and repeated keys follow
  :class:`reform_etl.load.normalise.Normaliser` rule for rule, with the tests and the
  wording of :mod:`reform_etl.load.rules`.

What does not fit raises :class:`NotBulkable` before anything is kept (ragged rows,
quoted line breaks, several periods in one file, a file the row path would refuse as a
whole), and the caller falls back to the row path inside the same transaction.

Modules: :mod:`.source` (reading), :mod:`.cells` and :mod:`.cell_types` (typing cells),
:mod:`.row_sorting` (spacers, footers, totals), :mod:`.identity` (period and province),
:mod:`.repeats` (the repeat filter), :mod:`.pgcopy` (the binary ``COPY`` encoder) and
:mod:`.run` (the load that drives them).
"""

from __future__ import annotations

from .cells import NotBulkable
from .run import ENCODINGS, IDENTITY, BulkResult, eligible, in_background, load, supported

__all__ = ["ENCODINGS", "IDENTITY", "BulkResult", "NotBulkable", "eligible", "in_background", "load", "supported"]
