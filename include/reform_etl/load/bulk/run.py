"""A bulk load: one file's batches typed, sorted, judged and streamed into ``raw.<kind>``.

The stages of a batch live beside this module (:mod:`.source`, :mod:`.row_sorting`,
:mod:`.cell_types`, :mod:`.identity`, :mod:`.repeats`, :mod:`.pgcopy`); this one runs
them in order, settles the rows held back as possible repeats, and hands what it learnt
to the normaliser once nothing can fall back to the row path.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql

from ... import kinds as k
from ...config import settings
from ...readers import SourceTable, UnreadableFile
from ...validation.arrow_suite import ArrowExpectation, arrow_suite
from ...validation.checks import ERROR
from ...validation.messages import raw_text, render
from ...validation.results import ExpectationOutcome, RowFinding
from ...warehouse.key_ranges import range_column
from .. import rules
from ..normalise import Normaliser
from .cell_types import ARROW_TYPES, TYPES, Typed, parse_with, type_column
from .cells import Cells, NotBulkable, OddValues, refuse_line_breaks
from .identity import Identity
from .pgcopy import PGCOPY_HEADER, PGCOPY_TRAILER, SQL_TYPES, Tuples
from .repeats import SeenKeys, key_hash
from .row_sorting import RowSorting
from .source import batches, layout_of
from .tally import Tally

ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp1258", "utf-16"})
IDENTITY = frozenset({"province", "period"})


def supported(kind: k.Kind) -> bool:
    return all(c.type in TYPES for c in kind.columns if c.name not in IDENTITY) and "year" not in kind.column_names


def eligible(table: SourceTable, kind: k.Kind) -> bool:
    return (
        supported(kind)
        and table.format == "csv"
        and table.header is not None
        and table.encoding in ENCODINGS
        and table.path.stat().st_size >= settings().bulk_min_bytes
    )


@dataclass
class BulkResult:
    rows_read: int
    rows_written: int  # rows written to the target (accepted by the reader and the suite)
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    # Rows written per (province, period label, period start): the volume rule's history.
    period_counts: list[tuple[str | None, str | None, date | None, int]] = field(default_factory=list)
    # Per province, (smallest, largest) value of the key-range column among the rows written.
    key_ranges: dict[str, tuple[str, str]] | None = None


def load(
    conn: psycopg.Connection,
    kind: k.Kind,
    table: SourceTable,
    normaliser: Normaliser,
    *,
    file_id: int,
    target: sql.Composable,
    columns: list[str],
) -> BulkResult:
    """Validate the file's typed rows with the kind's suite and ``COPY`` those accepted into
    ``target`` (``raw.<kind>``); record rejections, warnings and findings on ``normaliser``.

    Nothing is written that a later step would have to delete: rows failing an error
    expectation, and repeats of a key seen earlier in the file, never reach ``target``.
    Must run inside the file's transaction. Raises :class:`NotBulkable` (after rolling its
    own savepoint back, with ``normaliser`` and ``table`` untouched) when the file needs
    the row path.
    """
    try:
        with conn.transaction():
            return _BulkLoad(conn, kind, table, normaliser, file_id, target, columns).run()
    except (pa.ArrowInvalid, pa.ArrowTypeError, psycopg.errors.DataError, UnicodeError, UnreadableFile) as exc:
        raise NotBulkable(str(exc).splitlines()[0]) from None


_CONSTANT = ("file_id", "period_label", "period_start", "period_end")


class _KeptColumns(dict[str, pa.Array]):
    """A batch's kept rows by column name; a column the file lacks reads as all missing,
    as it does in ``raw`` (the suite may name it)."""

    def __init__(self, n: int, columns: dict[str, pa.Array], types: dict[str, pa.DataType]) -> None:
        super().__init__(columns)
        self.n, self.types = n, types

    def __missing__(self, name: str) -> pa.Array:
        values = pa.nulls(self.n, self.types.get(name, pa.string()))
        self[name] = values
        return values

    def row(self, position: int, constants: dict[str, tuple[object, str]]) -> dict[str, Any]:
        """One row as the suite's messages and a late ``COPY`` see it."""
        row: dict[str, Any] = {name: value for name, (value, _) in constants.items()}
        row.update((name, values[position].as_py()) for name, values in self.items())
        return row


@dataclass
class _Held:
    """A row whose key the Bloom filter may have seen: kept aside until repeats are settled."""

    line: int
    key: tuple[Any, ...]
    row: dict[str, Any]
    failed: list[int]  # indexes of the expectations it breaks


class _BulkLoad:
    def __init__(
        self,
        conn: psycopg.Connection,
        kind: k.Kind,
        table: SourceTable,
        normaliser: Normaliser,
        file_id: int,
        target: sql.Composable,
        columns: list[str],
    ) -> None:
        self.conn, self.kind, self.table, self.normaliser = conn, kind, table, normaliser
        self.file_id, self.target = file_id, target
        self.layout = layout_of(table)
        names = self.layout.header.index_map
        self.by_name = {name: pos for pos, name in names.items()}
        self.typed = [(pos, kind.column(name)) for pos, name in sorted(names.items()) if name not in IDENTITY]
        self.odd = {pos: OddValues(parse_with(c.type, normaliser.label(c.name))) for pos, c in self.typed}
        self.sorting = RowSorting(table, self.layout.header, self.layout.width)
        self.seen = SeenKeys()
        self.tally = Tally()
        self.suite: list[ArrowExpectation] = arrow_suite(kind)
        self.tally.unexpected = [0] * len(self.suite)
        self.errors = [i for i, e in enumerate(self.suite) if e.severity == ERROR]
        self.held: list[_Held] = []
        # First line of each key whose row the suite kept out of the target (for settling repeats).
        self.unloaded: dict[tuple[Any, ...], int] = {}
        self.arrow_types = {c.name: ARROW_TYPES[c.type] for c in kind.columns if c.type in ARROW_TYPES}
        self.identity = Identity(normaliser, self.by_name, self.tally)
        self.range_column = range_column(kind)  # supersession's key ranges (warehouse.key_ranges)
        available = {*_CONSTANT, "province_code", "source_row", *(c.name for _, c in self.typed)}
        chosen = [c for c in columns if c in available]
        # Fields the same on every row go first (the province usually is): one shared prefix.
        first = [*_CONSTANT, "province_code"]
        self.order = [c for c in first if c in chosen] + [c for c in chosen if c not in first]

    def run(self) -> BulkResult:
        statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(
            self.target, sql.SQL(", ").join(map(sql.Identifier, self.order))
        )
        with self.conn.cursor().copy(statement) as copy:
            copy.write(PGCOPY_HEADER)
            for payload in in_background(self._payloads()):
                copy.write(payload)
            copy.write(PGCOPY_TRAILER)
        if self.tally.rows_read == 0:
            raise NotBulkable("no data rows")
        self._settle_held()
        self._hand_over()
        counts = [(*key, rows) for key, rows in self.tally.written.items()]
        ranges = self.tally.key_ranges if self.tally.key_ranges_known else None
        return BulkResult(self.tally.rows_read, self.tally.rows_written, self._outcomes(), counts, ranges)

    def _payloads(self) -> Iterator[memoryview]:
        done = 0
        for batch in batches(self.table, self.layout):
            payload = self._batch(batch, self.layout.first_line + done)
            done += batch.num_rows
            if payload is not None:
                yield payload

    # -- one batch ---------------------------------------------------------------------------

    def _batch(self, batch: pa.RecordBatch, first_line: int) -> memoryview | None:
        for column in batch.columns:
            refuse_line_breaks(column)
        known: dict[int, Cells] = {}

        def cells(j: int) -> Cells:
            if j not in known:
                known[j] = Cells.of(batch.column(j))
            return known[j]

        data = self.sorting.data_rows(batch, cells, first_line)
        self.tally.rows_read += int(data.sum())
        typed = {pos: type_column(cells(pos), column.type, self.odd[pos]) for pos, column in self.typed}
        ok = data & ~self._cell_problems(typed, data, cells, first_line)
        self.identity.periods_of(cells, ok, first_line)
        province = self.identity.provinces_of(cells, ok, first_line)
        ok &= ~self.identity.after_merger(typed, cells, ok, first_line)
        if not ok.any():
            return None
        return self._encode(typed, province, ok, first_line)

    def _cell_problems(
        self, typed: dict[int, Typed], data: np.ndarray, cells: Callable[[int], Cells], first_line: int
    ) -> np.ndarray:
        """Rows with a cell the parser refuses or a required cell empty, recorded as the row path does."""
        bad = np.zeros(len(data), dtype=bool)
        for result in typed.values():
            bad[list(result.errors)] = True
        missing: dict[int, np.ndarray] = {}
        for pos, column in self.typed:
            if column.required:
                missing[pos] = typed[pos].values.is_null().to_numpy(zero_copy_only=False)
                missing[pos][list(typed[pos].errors)] = False
                bad |= missing[pos]
        bad &= data
        required = [self.by_name[name] for name in self.kind.required if name not in IDENTITY]
        for position in np.flatnonzero(bad).tolist():
            line, order = first_line + position, 0
            for pos, column in self.typed:
                if position in typed[pos].errors:
                    raw = cells(pos).cleaned(position)
                    self.tally.reject(line, order, column.name, raw, typed[pos].errors[position])
                    order += 1
            for pos in required:
                if missing[pos][position]:
                    name = self.layout.header.index_map[pos]
                    label = self.normaliser.label(name)
                    self.tally.reject(line, order, name, None, rules.required_but_empty(label))
                    order += 1
        return bad

    def _encode(
        self, typed: dict[int, Typed], province: pa.Array, ok: np.ndarray, first_line: int
    ) -> memoryview | None:
        rows = np.flatnonzero(ok)
        keep = pa.array(ok)

        def kept(values: pa.Array) -> pa.Array:
            return values if len(rows) == len(ok) else values.filter(keep)

        per_row: dict[str, tuple[pa.Array, str]] = {
            "source_row": (pa.array((rows + first_line).astype(np.int32)), "integer"),
            "province_code": (kept(province), "text"),
        }
        for pos, column in self.typed:
            per_row[column.name] = (kept(typed[pos].values), SQL_TYPES[column.type])
        period = self.identity.period
        constants: dict[str, tuple[object, str]] = {
            "file_id": (self.file_id, "bigint"),
            "period_label": (period.label if period else None, "text"),
            "period_start": (period.start if period else None, "date"),
            "period_end": (period.end if period else None, "date"),
        }
        columns = _KeptColumns(len(rows), {name: values for name, (values, _) in per_row.items()}, self.arrow_types)
        load = self._judge(columns, constants, rows + first_line)
        if not load.any():
            return None
        if not load.all():
            chosen = pa.array(load)
            per_row = {name: (values.filter(chosen), t) for name, (values, t) in per_row.items()}
        n = int(load.sum())
        self.tally.rows_written += n
        codes = per_row["province_code"][0]
        label, start = constants["period_label"][0], constants["period_start"][0]
        if codes.null_count == 0 and pc.all(pc.equal(codes, codes[0])).as_py():
            constants["province_code"] = (codes[0].as_py(), "text")  # the usual file: one province
            self.tally.count_written(codes[0].as_py(), label, start, n)
        else:
            for entry in pc.value_counts(codes).to_pylist():
                self.tally.count_written(entry["values"], label, start, entry["counts"])
        self._widen_ranges(codes, per_row, constants)
        tuples = Tuples(n, len(self.order))
        for name in self.order:
            if name in constants:
                tuples.constant(*constants[name])
            else:
                tuples.column(*per_row[name])
        return tuples.payload()

    def _widen_ranges(
        self, codes: pa.Array, per_row: dict[str, tuple[pa.Array, str]], constants: dict[str, tuple[object, str]]
    ) -> None:
        """The key ranges of the rows this batch writes, per province (see ``warehouse.key_ranges``)."""
        column = self.range_column
        if column is None:
            return
        if column in constants:
            value = constants[column][0]
            text = None if value is None else str(value)
            for province in pc.unique(codes).to_pylist():
                self.tally.widen_range(province, text, text)
            return
        values = per_row[column][0] if column in per_row else None
        if values is None or not pa.types.is_string(values.type):
            self.tally.key_ranges_known = False  # SQL works them out after the load
            return
        grouped = pa.table({"p": codes, "v": values}).group_by("p").aggregate([("v", "min"), ("v", "max")])
        for province, low, high in zip(*(grouped[c].to_pylist() for c in ("p", "v_min", "v_max")), strict=True):
            self.tally.widen_range(province, low, high)

    # -- the suite and repeated keys, before anything is written ------------------------------

    def _judge(self, columns: _KeptColumns, constants: dict[str, tuple[object, str]], lines: np.ndarray) -> np.ndarray:
        """Which kept rows go to the target now; the rest are findings or held back.

        A row whose key the Bloom filter may have seen is held back: it is either a repeat
        (rejected, as the row path rejects it before validating) or a false alarm (written
        at the end). Every other row is the first of its key, so its suite verdict stands.
        """
        key = [columns[c] for c in self.kind.natural_key]
        held = self.seen.repeats(key_hash(key))
        masks = [e.unexpected(columns) for e in self.suite]
        error = np.zeros(len(lines), dtype=bool)
        for i in self.errors:
            error |= masks[i]
        judged = ~held
        self.tally.validated += int(judged.sum())
        for i, mask in enumerate(masks):
            self.tally.unexpected[i] += int((mask & judged).sum())
        failing = np.zeros(len(lines), dtype=bool)
        for mask in masks:
            failing |= mask
        for position in np.flatnonzero((failing & judged) | held).tolist():
            row = columns.row(position, constants)
            failed = [i for i, mask in enumerate(masks) if mask[position]]
            line = int(lines[position])
            key_values = tuple(row[c] for c in self.kind.natural_key)
            if held[position]:
                self.held.append(_Held(line, key_values, row, failed))
                continue
            self._found(line, row, failed)
            if error[position]:
                self.unloaded.setdefault(key_values, line)
        return ~held & ~error

    def _found(self, line: int, row: dict[str, Any], failed: list[int]) -> None:
        labels = self.table.columns
        for i in failed:
            e = self.suite[i]
            finding = RowFinding(
                source_row=line,
                column=e.blame,
                raw_value=raw_text(row.get(e.blame)),
                rule=e.rule,
                severity=e.severity,
                message=render(e.message, row, labels),
            )
            self.tally.findings.append((line, i, finding))

    def _settle_held(self) -> None:
        """Reject the held rows that repeat an earlier row's key; judge and write the others."""
        if not self.held:
            return
        lines: dict[tuple[Any, ...], list[int]] = {}
        for h in self.held:
            if None not in h.key:  # a missing key part never matches (as in SQL)
                lines.setdefault(h.key, []).append(h.line)
        for key_values, line in self.unloaded.items():
            if key_values in lines:
                lines[key_values].append(line)
        for key_values, line in self._lines_in_target(list(lines)):
            lines[key_values].append(line)
        late: list[_Held] = []
        for h in self.held:
            first = min(lines[h.key]) if h.key in lines else h.line
            if h.line > first:
                described, reason = rules.repeated_key(h.key, first)
                self.tally.reject(h.line, 0, None, described, reason)
                continue
            self.tally.validated += 1
            for i in h.failed:
                self.tally.unexpected[i] += 1
            self._found(h.line, h.row, h.failed)
            if not any(i in self.errors for i in h.failed):
                late.append(h)
        if late:
            statement = sql.SQL("copy {} ({}) from stdin").format(
                self.target, sql.SQL(", ").join(map(sql.Identifier, self.order))
            )
            with self.conn.cursor().copy(statement) as copy:
                for h in late:
                    copy.write_row([h.row.get(c) for c in self.order])
                    self.tally.count_written(
                        h.row.get("province_code"), h.row.get("period_label"), h.row.get("period_start"), 1
                    )
                    if (column := self.range_column) is not None and h.row.get(column) is not None:
                        value = str(h.row[column])
                        self.tally.widen_range(h.row.get("province_code"), value, value)
            self.tally.rows_written += len(late)

    def _lines_in_target(self, keys: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], int]]:
        """(key, source row) of this file's rows already written with one of ``keys``."""
        if not keys:
            return []
        names = sql.SQL(", ").join(map(sql.Identifier, self.kind.natural_key))
        self.conn.execute(
            sql.SQL("create temp table bulk_repeats on commit drop as select {} from {} limit 0").format(
                names, self.target
            )
        )
        with self.conn.cursor().copy(sql.SQL("copy bulk_repeats ({}) from stdin").format(names)) as copy:
            for values in keys:
                copy.write_row(values)
        same = sql.SQL(" and ").join(
            sql.SQL("s.{c} = r.{c}").format(c=sql.Identifier(c)) for c in self.kind.natural_key
        )
        # The file's rows are not in raw's statistics yet: PostgreSQL would take them for a
        # handful and loop over them once per key. One hash join, then the setting as it was.
        previous = self.conn.execute("select current_setting('enable_nestloop')").fetchone()
        self.conn.execute("set local enable_nestloop = off")
        found = self.conn.execute(
            sql.SQL("select s.source_row, {} from {} s join bulk_repeats r on {} where s.file_id = %s").format(
                sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in self.kind.natural_key),
                self.target,
                same,
            ),
            (self.file_id,),
        ).fetchall()
        self.conn.execute(
            sql.SQL("set local enable_nestloop = {}").format(sql.Literal(previous[0] if previous else "on"))
        )
        return [(tuple(values), line) for line, *values in found]

    def _outcomes(self) -> list[ExpectationOutcome]:
        total = self.tally.validated
        return [e.outcome(n, total, "while loading") for e, n in zip(self.suite, self.tally.unexpected, strict=True)]

    def _hand_over(self) -> None:
        """Past the last point that can hand the file back to the row path."""
        n = self.normaliser
        n.rows_read += self.tally.rows_read
        for line, _, column, raw, reason in sorted(self.tally.rejections, key=lambda r: (r[0], r[1])):
            n.reject(line, column, raw, reason)
        for line, column, raw, rule, message in sorted(self.tally.warnings, key=lambda w: w[0]):
            n.warn(line, column, raw, rule, message)
        for _, _, f in sorted(self.tally.findings, key=lambda x: (x[0], x[1])):
            if f.severity == ERROR:
                n.reject(f.source_row, f.column, f.raw_value, f.message)
            else:
                n.warn(f.source_row, f.column, f.raw_value, f.rule, f.message)
        n.provinces_seen |= self.tally.provinces
        n.periods_seen |= self.tally.periods
        self.table.total_rows.extend(self.sorting.stub.total_rows)
        self.table.skipped_blank_rows += self.sorting.stub.skipped_blank_rows


# -- a producer thread, so that reading and typing overlap with COPY --------------------------

_DONE = object()


def in_background(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Run ``items`` in a thread, up to ``depth`` items ahead; its exceptions surface here."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                put(item)
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            put(exc)

    worker = threading.Thread(target=produce, name="bulk-load-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
