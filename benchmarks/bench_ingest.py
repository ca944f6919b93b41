"""Ingest benchmark: the project's load against PostgreSQL's own COPY, side by side.

Generates record-level dossier exports, then measures on the same data and database, and
prints one JSON line with every key of issue 17's table (``docs/performance.md`` explains
each):

- ``ingest_vs_copy``: the project's full ingest of a 1 M-row file (read, normalise,
  validate, load, audit, in a child process so ``peak_rss_mb`` is its own) against ``COPY``
  of the same CSV into an unindexed table of text columns (``copy_s``, the floor); the
  median over ``--pairs`` such pairs, each into fresh databases (every pair's figures are
  printed: ``ingest_vs_copy_samples``); ``ingest_breakdown_s`` says where the median
  pair's ingest spent its time;
- ``peak_rss_mb`` / ``peak_rss_mb_large`` / ``rss_growth_5m_vs_1m``: the ingest's peak
  memory at 1 M and 5 M rows;
- ``incremental_vs_full_1m``: on that 1 M-row warehouse, the routine dbt build after one
  more monthly delivery (``pipeline.transform``: only the models fed by ``raw.dossiers``;
  the median over five successive deliveries, ``dbt_incremental_samples_s_1m``) against a
  full rebuild of the whole project from the raw tables (``dbt build --full-refresh``, as
  the issue's baseline measured it); ``incremental_vs_full_build_1m``
  puts it against ``--full-build`` on a built warehouse (every node, incremental models
  adding nothing), i.e. dbt's fixed cost;
- ``pandas_vs_ingest``: ``read_csv`` + ``to_sql(method="multi")`` against the project's
  ingest, both on the same ``pandas_slice_rows``-row file;
- ``national_year_vs_floor``: ``reform-etl run --workers 0`` (ingest, dbt, reports) on a national
  year, 34 units x 12 months, 10 M dossiers (``--national-year ROWS``), against that year's
  floor: ``COPY`` of the same files into an unindexed table plus the monthly aggregate in
  plain SQL (``national_year_floor_s``);
- ``per_file_growth_3y``: three national years of 2 000-row files loaded one after the
  other; the median per-file load time in the third year over that in the first;
- ``bench_wall_s``: the whole benchmark; ``load_avg``: the machine's 1-minute load average
  before and after (other work slows every figure; the ratios are measured side by side).

``--quick`` runs small sizes (for development; its figures are not the issue's).
Run with ``make bench`` (defaults) or ``python benchmarks/bench_ingest.py --quick``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

HEADER = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Tên TTHC",
    "Cấp",
    "Kênh",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Cơ quan",
    "Lĩnh vực",
    "Thanh toán trực tuyến",
]
PROCEDURES = [
    ("1.002033", "Cấp giấy phép xây dựng"),
    ("2.000889", "Đăng ký kết hôn"),
    ("1.001612", "Cấp bản sao trích lục hộ tịch"),
    ("2.002154", "Đăng ký thường trú"),
]
LEVELS = ["Cấp tỉnh", "Cấp xã"]
CHANNELS = ["Trực tiếp", "Trực tuyến", "2", "1", "Bưu chính công ích"]


def write_dossiers(
    path: Path, rows: int, *, province: str = "40", month: int = 3, seed: int = 1, year: int = 2024
) -> None:
    """A one-stop-shop export as provinces send it (Vietnamese headers, day-first dates)."""
    rng = random.Random(seed)
    start = datetime(year, month, 1, 7, 30)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        for i in range(rows):
            received = start + timedelta(minutes=rng.randrange(28 * 24 * 60))
            due = received + timedelta(days=rng.choice((3, 5, 7, 15)))
            done = (
                ""
                if rng.random() < 0.05
                else (received + timedelta(hours=rng.randrange(1, 24 * 18))).strftime("%d/%m/%Y %H:%M")
            )
            code, name = PROCEDURES[i % len(PROCEDURES)]
            out.write(
                f"H{province}.{year % 100:02d}{month:02d}-{i:08d},{code},{name},{LEVELS[i % 2]},{rng.choice(CHANNELS)},"
                f"{received:%d/%m/%Y %H:%M},{due:%d/%m/%Y},{done},Sở Tư pháp,Hộ tịch,{'có' if i % 3 else 'không'}\n"
            )


# A national year after the 2025 merger: the 34 units, July 2025 to June 2026.
NATIONAL_MONTHS = [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]


def national_months(year_offset: int = 0) -> list[tuple[int, int]]:
    return [(year + year_offset, month) for year, month in NATIONAL_MONTHS]


def unit_codes() -> list[str]:
    import reform_etl

    reference = Path(reform_etl.__file__).parent / "reference" / "provinces_34.csv"
    with reference.open(encoding="utf-8-sig", newline="") as handle:
        return [row["new_code"] for row in csv.DictReader(handle)]


def write_national_year(landing: Path, rows: int, *, year_offset: int = 0, units: int = 34) -> int:
    """One export per unit and month, ``rows`` dossiers in all; returns the file count."""

    codes = unit_codes()[:units]
    folder = landing / "dossiers"
    folder.mkdir(parents=True, exist_ok=True)
    per_file = max(1, rows // (len(codes) * len(NATIONAL_MONTHS)))
    for n, code in enumerate(codes):
        for year, month in national_months(year_offset):
            write_dossiers(
                folder / f"{code}_{year}-{month:02d}.csv",
                per_file,
                province=code,
                month=month,
                year=year,
                seed=n * 100 + month + 10_000 * year_offset,
            )
        print(f"  national year: {n + 1}/{len(codes)} units written", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return len(codes) * len(NATIONAL_MONTHS)


def measure_national_year(url: str, landing: Path, root: Path) -> dict[str, Any]:
    """``reform-etl run`` end to end (ingest, dbt build, reports), as an operator loading a year runs
    it: ``--workers 0``, one load per core."""
    env = {**os.environ, "WAREHOUSE_URL": url, "REFORM_REPORTS_DIR": str(root / "reports")}
    executable = str(Path(sys.executable).with_name("reform-etl"))
    command = [executable, "run", "--landing", str(landing), "--workers", "0", "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"national-year run failed ({done.returncode}):\n{done.stderr[-4000:]}")
    summary = json.loads(done.stdout)
    return {"seconds": elapsed, "summary": summary, "slowest_nodes": slowest_dbt_nodes(url)}


def slowest_dbt_nodes(url: str, count: int = 6, *, run_id: str | None = None) -> dict[str, float]:
    """The slowest nodes (seconds) of every build, or of run ``run_id``'s: where dbt's time went."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select regexp_replace(unique_id, '^[a-z_]+\\.reform_cchc\\.', ''), execution_time "
            "from audit.dbt_results where %(run)s::text is null or run_id = %(run)s "
            "order by execution_time desc limit %(count)s",
            {"run": run_id, "count": count},
        ).fetchall()
    return {name: round(float(seconds), 1) for name, seconds in rows}


# The floor's monthly aggregate: what fct_dossier_processing reports per unit, month, level and
# channel, in plain SQL over the text columns COPY wrote (c0 the dossier id, which starts with
# the unit's code; c5 received, c6 due, c7 resolved).
FLOOR_AGGREGATE = """
create table floor_monthly as
select split_part(c0, '.', 1) as unit, date_trunc('month', to_timestamp(c5, 'DD/MM/YYYY HH24:MI')) as month, c3 as level, c4 as channel,
       count(*) as received,
       count(*) filter (where c7 <> '' and to_timestamp(c7, 'DD/MM/YYYY HH24:MI')
                        <= to_timestamp(c6, 'DD/MM/YYYY') + interval '1 day') as on_time,
       count(*) filter (where c7 = '') as pending
from national_floor group by 1, 2, 3, 4
"""


def measure_national_floor(url: str, landing: Path) -> dict[str, float]:
    """``COPY`` of every file of the national year into an unindexed table, then the monthly aggregate."""
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with psycopg.connect(url) as conn:
        conn.execute(f"create table national_floor ({columns})")
        conn.commit()
        started = time.perf_counter()
        for path in sorted((landing / "dossiers").iterdir()):
            with conn.cursor().copy("copy national_floor from stdin (format csv, header true)") as copy:
                with path.open("rb") as f:
                    while block := f.read(1 << 20):
                        copy.write(block)
            conn.commit()
        copied = time.perf_counter() - started
        conn.execute(FLOOR_AGGREGATE)
        conn.commit()
        total = time.perf_counter() - started
    return {"copy_s": copied, "aggregate_s": total - copied, "seconds": total}


def database_url(url: str, name: str) -> str:
    """The URL of database ``name`` on the server ``url`` points at."""
    return url.rsplit("/", 1)[0] + f"/{name}"


def admin_url(url: str) -> str:
    """The server's maintenance database, from which databases are created and dropped."""
    return database_url(url, "postgres")


def fresh_database(server_url: str, name: str) -> str:
    with psycopg.connect(admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return database_url(server_url, name)


def drop_database(url: str) -> None:
    """Drop a database a section is done with, then checkpoint: what autovacuum and the
    checkpointer would still do for it must not run during the next section's timings."""
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{url.rsplit("/", 1)[1]}" with (force)')
        conn.execute("checkpoint")


def measure_copy(url: str, path: Path) -> float:
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with psycopg.connect(url) as conn:
        conn.execute(f"create table if not exists copy_floor ({columns})")
        conn.execute("truncate copy_floor")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor().copy("copy copy_floor from stdin (format csv, header true)") as copy, path.open("rb") as f:
            while block := f.read(1 << 20):
                copy.write(block)
        conn.commit()
        return time.perf_counter() - started


INGEST_CHILD = """
import functools, json, resource, sys, time
from pathlib import Path
from psycopg import sql
from reform_etl import ingest, pipeline
from reform_etl.load import bulk
from reform_etl.warehouse import file_records
from reform_etl.load.bulk import run as bulk_run
from reform_etl.validation import after_load
url, landing = sys.argv[1], Path(sys.argv[2])
spent = {}

def timed(owner, name, label):
    step = getattr(owner, name)
    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
    setattr(owner, name, wrapper)

def timed_wait(items, depth=2):
    # How long the COPY side waited for the reader: the rest of the bulk step is PostgreSQL's.
    feed = background(items, depth)
    while True:
        started = time.perf_counter()
        try:
            item = next(feed)
        except StopIteration:
            return
        finally:
            spent["bulk_waiting_for_reader"] = spent.get("bulk_waiting_for_reader", 0.0) + time.perf_counter() - started
        yield item

background = bulk_run.in_background
bulk_run.in_background = timed_wait
for owner, name, label in [(ingest, "sha256_of", "hash_file"), (ingest, "archive_file", "archive_file"),
                           (bulk, "load", "bulk_read_validate_copy"), (after_load, "validate_loaded", "sql_suite_row_path"),
                           (after_load, "check_volume", "volume_rule"), (file_records, "supersede", "supersede")]:
    timed(owner, name, label)
pipeline.prepare(url, run_id="bench", trigger="bench", landing=landing)
started = time.perf_counter()
results = pipeline.ingest_all(url, landing, run_id="bench")
elapsed = time.perf_counter() - started
spent["other"] = elapsed - sum(v for k, v in spent.items() if k != "bulk_waiting_for_reader")
print(json.dumps({"seconds": elapsed, "rows": sum(r.rows_loaded for r in results),
                  "statuses": [r.status for r in results], "breakdown": {k: round(v, 2) for k, v in spent.items()},
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure_ingest(url: str, landing: Path, *, archive: Path | None = None) -> dict[str, Any]:
    """The project's ingest in a child process; its own peak RSS is what we report."""
    # Warm-up imports are paid in the child too; report them separately from the load.
    env = os.environ | ({"REFORM_ARCHIVE_DIR": str(archive)} if archive else {})
    result = subprocess.run(
        [sys.executable, "-c", INGEST_CHILD, url, str(landing)], capture_output=True, text=True, check=False, env=env
    )
    if result.returncode != 0:
        raise SystemExit(f"ingest failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_pandas(url: str, path: Path) -> float:
    """``read_csv`` + ``to_sql(method="multi")`` of the whole file (the common approach)."""
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str)
    frame.to_sql("pandas_way", engine, if_exists="replace", index=False, method="multi", chunksize=1000)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def pandas_side_by_side(server_url: str, root: Path, slice_rows: int) -> dict[str, Any]:
    """pandas and the project's ingest on the same slice file, each into a fresh database."""
    landing = root / "landing-slice"
    (landing / "dossiers").mkdir(parents=True)
    data = landing / "dossiers" / "40_2024-05.csv"
    write_dossiers(data, slice_rows, month=5, seed=5)
    slice_url, pandas_url = fresh_database(server_url, "bench_slice"), fresh_database(server_url, "bench_pandas")
    ingest = measure_ingest(slice_url, landing)
    pandas_s = measure_pandas(pandas_url, data)
    shutil.rmtree(landing)
    drop_database(slice_url)
    drop_database(pandas_url)
    print(f"pandas_s {pandas_s:.1f} vs ingest {ingest['seconds']:.2f} on {slice_rows:,} rows", file=sys.stderr)
    return {
        "pandas_slice_rows": slice_rows,
        "pandas_slice_s": round(pandas_s, 3),
        "ingest_slice_s": round(ingest["seconds"], 3),
        "pandas_vs_ingest": round(pandas_s / ingest["seconds"], 2),
    }


def measure_dbt(
    url: str, landing: Path, rows: int, *, province: str = "40", year: int = 2024, month: int = 4, deliveries: int = 5
) -> dict[str, Any]:
    """dbt on the loaded warehouse: a full rebuild from the raw tables (``--full-refresh``), a
    build of every node with nothing new (``--full-build``), then the routine build after one
    more province-month of ``rows`` dossiers is ingested (only the models fed by
    ``raw.dossiers``, no seeds, no unit tests). Unit tests are left out of the first two as
    well, so that all three do production work only.

    The routine build lasts about a second, so one sample moves with whatever else the machine
    does (autovacuum of the freshly loaded tables, above all): it is the median over
    ``deliveries`` successive months, each one delivery on top of the same warehouse."""
    from reform_etl import pipeline, transform

    pipeline.transform(url, run_id="bench-first", full=True)  # first build; dbt's parse is warm after it
    started = time.perf_counter()
    rebuilt = transform.run_dbt(url, ["build", "--full-refresh", "--exclude-resource-type", "unit_test"])
    rebuild = time.perf_counter() - started
    if not rebuilt.success:
        raise SystemExit("dbt build --full-refresh failed")
    started = time.perf_counter()
    pipeline.transform(url, run_id="bench-full", full=True)
    full_build = time.perf_counter() - started
    samples = []
    for offset in range(deliveries):
        extra = landing / "dossiers" / f"{province}_{year}-{month + offset:02d}.csv"
        write_dossiers(extra, max(1, rows), province=province, year=year, month=month + offset, seed=2 + offset)
        run_id = f"bench-incremental-{offset}"
        pipeline.ingest_all(url, landing, run_id=run_id)
        started = time.perf_counter()
        pipeline.transform(url, run_id=run_id)
        samples.append(time.perf_counter() - started)
        print(
            f"incremental build {offset + 1}: {samples[-1]:.2f} s, slowest nodes {slowest_dbt_nodes(url, 5, run_id=run_id)}",
            file=sys.stderr,
        )
    return {
        "full_refresh": rebuild,
        "full_build": full_build,
        "incremental": statistics.median(samples),
        "incremental_samples": [round(x, 3) for x in samples],
    }


YEARS_CHILD = """
import json, sys, time
from pathlib import Path
from reform_etl import pipeline
from reform_etl.warehouse import file_records
url, landings = sys.argv[1], sys.argv[2:]
supersede = [0.0]
step = file_records.supersede
def timed_supersede(*args, **kwargs):
    started = time.perf_counter()
    try:
        return step(*args, **kwargs)
    finally:
        supersede[0] += time.perf_counter() - started
file_records.supersede = timed_supersede
pipeline.prepare(url, run_id="bench-years", trigger="bench", landing=Path(landings[0]))
per_year, supersede_per_year = [], []
for n, landing in enumerate(landings):
    times, spent = [], []
    last = [time.perf_counter(), 0.0]
    def done(path, result):
        now = time.perf_counter()
        times.append(now - last[0])
        spent.append(supersede[0] - last[1])
        last[0], last[1] = now, supersede[0]
    pipeline.ingest_all(url, Path(landing), run_id=f"bench-year-{n}", on_file=done)
    per_year.append(times)
    supersede_per_year.append(spent)
print(json.dumps({"per_file": per_year, "supersede": supersede_per_year}))
"""


def measure_years(server_url: str, root: Path, years: int, rows_per_year: int, units: int) -> dict[str, Any]:
    """Several national years loaded one after the other: does the per-file time stay flat?"""
    import statistics

    landings = []
    for offset in range(years):
        landing = root / f"landing-year-{offset}"
        write_national_year(landing, rows_per_year, year_offset=offset, units=units)
        landings.append(str(landing))
    url = fresh_database(server_url, "bench_years")
    result = subprocess.run(
        [sys.executable, "-c", YEARS_CHILD, url, *landings], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"multi-year ingest failed:\n{result.stderr[-4000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    per_year = measured["per_file"]
    for folder in landings:
        shutil.rmtree(folder)
    # The median, so one file that met a checkpoint does not decide the ratio.
    medians = [statistics.median(times) for times in per_year]
    print(f"per-file ms by year: {[round(m * 1000, 1) for m in medians]}", file=sys.stderr)
    return {
        "years_files": sum(len(t) for t in per_year),
        "years_rows_per_file": max(1, rows_per_year // (units * 12)),
        "per_file_ms_by_year": [round(m * 1000, 1) for m in medians],
        "supersede_ms_by_year": [round(statistics.median(t) * 1000, 1) for t in measured["supersede"]],
        # The key: the last year loaded (the third by default) against the first.
        "per_file_growth_3y": round(medians[-1] / medians[0], 2),
    }


QUICK = {
    "rows": 100_000,
    "large_factor": 2,
    "pandas_slice": 20_000,
    "national_year": 340_000,
    "years": 3,
    "years_rows": 2_000 * 12 * 3,
    "years_units": 3,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes for development: " + json.dumps(QUICK))
    parser.add_argument("--rows", type=int, default=1_000_000, help="dossier rows in the main file")
    parser.add_argument("--large-factor", type=int, default=5, help="the memory check uses rows x this (0: skip)")
    parser.add_argument(
        "--pandas-slice", type=int, default=100_000, help="rows of the file pandas and the ingest both load"
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=3,
        help="side-by-side COPY/ingest pairs on the main file; ingest_vs_copy is their median ratio",
    )
    parser.add_argument("--skip-dbt", action="store_true")
    parser.add_argument(
        "--national-year",
        type=int,
        default=10_000_000,
        metavar="ROWS",
        help="dossiers in the national year (34 units x 12 months) run end to end; 0 skips it (default 10 000 000)",
    )
    parser.add_argument(
        "--national-dbt", action="store_true", help="also time dbt's full and routine builds on the national warehouse"
    )
    parser.add_argument("--years", type=int, default=3, help="national years loaded one after the other (0: skip)")
    parser.add_argument(
        "--years-rows", type=int, default=816_000, metavar="ROWS", help="dossiers per year of that run (2 000 a file)"
    )
    parser.add_argument("--years-units", type=int, default=34, help="units in that run (34 after the merger)")
    parser.add_argument("--only-national-year", action="store_true", help="skip everything but the national year")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]

    from reform_etl.embedded_db import EmbeddedServer

    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="reform-bench-") as tmp:
        root = Path(tmp)
        os.environ["REFORM_STATE_DIR"] = str(root / "state")
        os.environ["REFORM_ARCHIVE_DIR"] = str(root / "archive")
        os.environ.pop("WAREHOUSE_URL", None)
        server = EmbeddedServer(root / "pg")
        server_url = server.start()
        try:
            if not args.only_national_year:
                result.update(side_by_side(args, root, server_url))
                result.update(pandas_side_by_side(server_url, root, args.pandas_slice))
            if args.national_year:
                result.update(national_year(args, root, server_url))
            if args.years > 1 and not args.only_national_year:
                result.update(measure_years(server_url, root, args.years, args.years_rows, args.years_units))
        finally:
            server.destroy()
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "quick": bool(args.quick),
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **result,
        "bench_wall_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))


def measure_pair(server_url: str, landing: Path, data: Path, root: Path, *, last: bool) -> dict[str, Any]:
    """``COPY`` of the file, then the project's ingest of it, each into a fresh database.

    The ingest archives the file under a folder of its own, as a first delivery does; the
    last pair keeps its database (and the bench's archive folder) for dbt."""
    url = fresh_database(server_url, "bench" if last else "bench_pair")
    copy_s = measure_copy(url, data)
    archive = None if last else root / "archive-pair"
    ingest = measure_ingest(url, landing, archive=archive)
    print(
        f"copy_s {copy_s:.2f}, ingest_s {ingest['seconds']:.2f} ({ingest['seconds'] / copy_s:.2f}; "
        f"{ingest['rows']:,} rows, {ingest['peak_rss_mb']:.0f} MB peak) {ingest['breakdown']}",
        file=sys.stderr,
    )
    if archive is not None:
        drop_database(url)
        shutil.rmtree(archive, ignore_errors=True)
    return {"url": url, "copy_s": copy_s, "ingest": ingest}


def side_by_side(args: argparse.Namespace, root: Path, server_url: str) -> dict[str, Any]:
    """The floor, the ingest, dbt and memory on the same file and server."""
    landing = root / "landing"
    (landing / "dossiers").mkdir(parents=True)
    data = landing / "dossiers" / "40_2024-03.csv"
    t = time.perf_counter()
    write_dossiers(data, args.rows)
    print(
        f"generated {args.rows:,} rows ({data.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t:.1f} s",
        file=sys.stderr,
    )

    pairs = [measure_pair(server_url, landing, data, root, last=i == args.pairs - 1) for i in range(args.pairs)]
    url = pairs[-1]["url"]  # the last pair's warehouse is the one dbt builds on
    ratios = [p["ingest"]["seconds"] / p["copy_s"] for p in pairs]
    middle = pairs[ratios.index(statistics.median_low(ratios))]
    copy_s, ingest = middle["copy_s"], middle["ingest"]
    peak_rss_mb = max(p["ingest"]["peak_rss_mb"] for p in pairs)
    dbt: dict[str, Any] = {}
    if not args.skip_dbt:
        dbt = measure_dbt(url, landing, args.rows // 100)
        print(
            f"dbt {json.dumps({k: round(v, 2) for k, v in dbt.items() if k != 'incremental_samples'})}", file=sys.stderr
        )

    large = None
    if args.large_factor > 1:
        big_landing = root / "landing-large"
        (big_landing / "dossiers").mkdir(parents=True)
        write_dossiers(big_landing / "dossiers" / "40_2024-03.csv", args.rows * args.large_factor, seed=3)
        large_url = fresh_database(server_url, "bench_large")
        large = measure_ingest(large_url, big_landing)
        print(f"large ingest {large['seconds']:.1f} s, {large['peak_rss_mb']:.0f} MB peak", file=sys.stderr)
        shutil.rmtree(big_landing)
        drop_database(large_url)
    drop_database(url)

    return {
        "rows": args.rows,
        "copy_s": round(copy_s, 3),
        "ingest_s": round(ingest["seconds"], 3),
        "ingest_breakdown_s": ingest["breakdown"],
        "dbt_full_s_1m": round(dbt["full_refresh"], 3) if dbt else None,
        "dbt_full_build_s_1m": round(dbt["full_build"], 3) if dbt else None,
        "dbt_incremental_s_1m": round(dbt["incremental"], 3) if dbt else None,
        "dbt_incremental_samples_s_1m": dbt["incremental_samples"] if dbt else None,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "peak_rss_mb_large": None if large is None else round(large["peak_rss_mb"], 1),
        "large_rows": None if large is None else args.rows * args.large_factor,
        "large_ingest_s": None if large is None else round(large["seconds"], 3),
        "ingest_vs_copy": round(ingest["seconds"] / copy_s, 2),
        "ingest_vs_copy_samples": [round(r, 2) for r in ratios],
        "copy_s_samples": [round(p["copy_s"], 3) for p in pairs],
        "ingest_s_samples": [round(p["ingest"]["seconds"], 3) for p in pairs],
        "incremental_vs_full_1m": round(dbt["incremental"] / dbt["full_refresh"], 3) if dbt else None,
        "incremental_vs_full_build_1m": round(dbt["incremental"] / dbt["full_build"], 3) if dbt else None,
        "rss_growth_5m_vs_1m": None if large is None else round(large["peak_rss_mb"] / peak_rss_mb, 2),
    }


def national_year(args: argparse.Namespace, root: Path, server_url: str) -> dict[str, Any]:
    """The pipeline end to end on a national year of record-level data, against that year's floor:
    ``COPY`` of the same files into an unindexed table plus the monthly aggregate in plain SQL."""
    rows = args.national_year
    landing = root / "landing-national"
    t = time.perf_counter()
    files = write_national_year(landing, rows)
    size = sum(f.stat().st_size for f in (landing / "dossiers").iterdir())
    print(f"national year: {files} files, {size / 2**30:.2f} GB in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    floor_url = fresh_database(server_url, "bench_national_floor")
    floor = measure_national_floor(floor_url, landing)
    print(f"national year floor: {floor}", file=sys.stderr)
    drop_database(floor_url)
    url = fresh_database(server_url, "bench_national")
    outcome = measure_national_year(url, landing, root)
    summary = outcome["summary"]
    print(f"national year: reform-etl run took {outcome['seconds']:.0f} s", file=sys.stderr)
    dbt: dict[str, Any] = {}
    if args.national_dbt and not args.skip_dbt:
        # One more province-month, 1 % of the year's rows: a unit's first month after the year.
        times = measure_dbt(url, landing, rows // 100, province="01", year=2026, month=7)
        print(
            f"national year: dbt {json.dumps({k: round(v, 1) for k, v in times.items() if k != 'incremental_samples'})}",
            file=sys.stderr,
        )
        dbt = {
            "dbt_full_s": round(times["full_refresh"], 3),
            "dbt_incremental_s": round(times["incremental"], 3),
            "incremental_vs_full": round(times["incremental"] / times["full_refresh"], 3),
        }
    shutil.rmtree(landing)
    drop_database(url)
    return {
        **dbt,
        "national_year_rows": summary.get("rows_read"),
        "national_year_rows_loaded": summary.get("rows_loaded"),
        "national_year_files": files,
        "national_year_files_by_status": summary.get("files_by_status"),
        "national_year_workers": summary.get("workers"),
        "national_year_s": round(outcome["seconds"], 1),
        "national_year_stage_s": summary.get("stage_seconds"),
        "national_year_slowest_dbt_s": outcome["slowest_nodes"],
        "national_year_floor_s": {k: round(v, 1) for k, v in floor.items()},
        "national_year_vs_floor": round(outcome["seconds"] / floor["seconds"], 2),
    }


if __name__ == "__main__":
    main()
