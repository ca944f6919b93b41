"""Ingest benchmark: the project's load against PostgreSQL's own COPY, side by side.

Generates record-level dossier exports, then measures on the same data and database:

- ``copy_s``: ``COPY`` of the CSV into an unindexed table of text columns (the floor; an
  ordinary, WAL-logged table, as every table of the warehouse is);
- ``ingest_s``: the project's full ingest of the same file (read, normalise, validate,
  load, audit), in a child process so its peak memory can be read (``peak_rss_mb``);
- ``pandas_s``: ``pandas.read_csv`` + ``DataFrame.to_sql(method="multi")`` on a slice,
  scaled linearly to the full row count (the common approach);
- ``peak_rss_mb_large`` and ``rss_growth_5m_vs_1m``: the ingest's peak memory for 5x the rows;
- ``ingest_breakdown_s``: where the ingest's time went (hashing and archiving the file,
  the bulk path's read/type/validate/COPY into ``raw``, the volume rule, supersession),
  measured by wrapping those steps in the child process;
- ``national_year_s``: ``reform-etl run`` end to end (ingest, dbt build, reports) on a
  national year of record-level data: 34 units x 12 months, 10 million dossiers by default
  (``--national-year ROWS``, 0 to skip);
- ``dbt_full_s`` / ``dbt_incremental_s``: on that national warehouse, a full build of the
  dossier facts (``dbt build --select +fct_dossier_processing --full-refresh``), then the
  same build without ``--full-refresh`` after one more province-month (1 % of the rows)
  is ingested. ``*_1m`` are the same two builds on the 1-million-row warehouse of the
  measures above, where dbt's fixed cost per build (start-up, seeds, ~80 nodes, most of
  them data tests) is most of both figures;
- ``load_avg``: the machine's 1-minute load average before and after, since other work on
  a shared build machine slows every figure (the ratios are measured side by side).

The last line printed is one JSON object with the measures and their ratios. Run with
``make bench`` (defaults) or ``python benchmarks/bench_ingest.py --rows 200000 --large-factor 2``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
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


def write_national_year(landing: Path, rows: int) -> int:
    """One export per unit and month, ``rows`` dossiers in all; returns the file count."""

    import reform_etl

    reference = Path(reform_etl.__file__).parent / "reference" / "provinces_34.csv"
    with reference.open(encoding="utf-8-sig", newline="") as handle:
        codes = [row["new_code"] for row in csv.DictReader(handle)]
    folder = landing / "dossiers"
    folder.mkdir(parents=True, exist_ok=True)
    per_file = max(1, rows // (len(codes) * len(NATIONAL_MONTHS)))
    for n, code in enumerate(codes):
        for year, month in NATIONAL_MONTHS:
            write_dossiers(
                folder / f"{code}_{year}-{month:02d}.csv",
                per_file,
                province=code,
                month=month,
                year=year,
                seed=n * 100 + month,
            )
        print(f"  national year: {n + 1}/{len(codes)} units written", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return len(codes) * len(NATIONAL_MONTHS)


def measure_national_year(url: str, landing: Path, root: Path) -> dict[str, Any]:
    """``reform-etl run`` end to end (ingest, dbt build, reports), as an operator runs it."""
    env = {**os.environ, "WAREHOUSE_URL": url, "REFORM_REPORTS_DIR": str(root / "reports")}
    command = [str(Path(sys.executable).with_name("reform-etl")), "run", "--landing", str(landing), "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"national-year run failed ({done.returncode}):\n{done.stderr[-4000:]}")
    summary = json.loads(done.stdout)
    return {"seconds": elapsed, "summary": summary}


def fresh_database(server_url: str, name: str) -> str:
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


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


def measure_ingest(url: str, landing: Path) -> dict[str, Any]:
    """The project's ingest in a child process; its own peak RSS is what we report."""
    # Warm-up imports are paid in the child too; report them separately from the load.
    result = subprocess.run(
        [sys.executable, "-c", INGEST_CHILD, url, str(landing)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"ingest failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_pandas(url: str, path: Path, rows: int, slice_rows: int) -> float:
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    frame = pd.read_csv(path, nrows=slice_rows, dtype=str)
    frame.to_sql("pandas_way", engine, if_exists="replace", index=False, method="multi", chunksize=1000)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed * rows / min(rows, slice_rows)


def measure_dbt(
    url: str, landing: Path, rows: int, *, province: str = "40", year: int = 2024, month: int = 4
) -> tuple[float, float]:
    """A full build of the dossier facts, then an incremental one after one more province-month
    of ``rows`` dossiers is ingested."""
    from reform_etl import pipeline
    from reform_etl.transform import run_dbt

    pipeline.transform(url, run_id="bench-full")  # seeds, dims, first build; dbt's parse is warm after it
    started = time.perf_counter()
    result = run_dbt(url, ["build", "--select", "+fct_dossier_processing", "--full-refresh"])
    full = time.perf_counter() - started
    if not result.success:
        raise SystemExit("dbt full build failed")
    extra = landing / "dossiers" / f"{province}_{year}-{month:02d}.csv"
    write_dossiers(extra, max(1, rows), province=province, year=year, month=month, seed=2)
    pipeline.ingest_all(url, landing, run_id="bench-incremental")
    started = time.perf_counter()
    result = run_dbt(url, ["build", "--select", "+fct_dossier_processing"])
    incremental = time.perf_counter() - started
    if not result.success:
        raise SystemExit("dbt incremental build failed")
    return full, incremental


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="dossier rows in the main file")
    parser.add_argument("--large-factor", type=int, default=5, help="the memory check uses rows x this (0: skip)")
    parser.add_argument("--pandas-slice", type=int, default=100_000, help="rows pandas loads (then scaled)")
    parser.add_argument("--skip-dbt", action="store_true")
    parser.add_argument(
        "--national-year",
        type=int,
        default=10_000_000,
        metavar="ROWS",
        help="dossiers in the national year (34 units x 12 months) run end to end, then used for the "
        "dbt full/incremental builds; 0 skips it (default 10 000 000)",
    )
    parser.add_argument("--only-national-year", action="store_true", help="skip everything but the national year")
    args = parser.parse_args()
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
            if args.national_year:
                result.update(national_year(args.national_year, root, server_url, skip_dbt=args.skip_dbt))
        finally:
            server.destroy()
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **result,
    }
    print(json.dumps(result))


def side_by_side(args: argparse.Namespace, root: Path, server_url: str) -> dict[str, Any]:
    """The floor, the ingest, pandas, dbt and memory on the same file and server."""
    landing = root / "landing"
    (landing / "dossiers").mkdir(parents=True)
    data = landing / "dossiers" / "40_2024-03.csv"
    t = time.perf_counter()
    write_dossiers(data, args.rows)
    print(
        f"generated {args.rows:,} rows ({data.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t:.1f} s",
        file=sys.stderr,
    )

    url = fresh_database(server_url, "bench")
    copy_s = measure_copy(url, data)
    print(f"copy_s {copy_s:.2f}", file=sys.stderr)
    ingest = measure_ingest(url, landing)
    print(
        f"ingest_s {ingest['seconds']:.2f} ({ingest['rows']:,} rows, {ingest['peak_rss_mb']:.0f} MB peak) "
        f"{ingest['breakdown']}",
        file=sys.stderr,
    )
    pandas_s = measure_pandas(url, data, args.rows, args.pandas_slice)
    print(f"pandas_s {pandas_s:.1f} (scaled from {args.pandas_slice:,} rows)", file=sys.stderr)
    dbt_full_s = dbt_incremental_s = None
    if not args.skip_dbt:
        dbt_full_s, dbt_incremental_s = measure_dbt(url, landing, args.rows // 100)
        print(f"dbt_full_s {dbt_full_s:.2f} dbt_incremental_s {dbt_incremental_s:.2f}", file=sys.stderr)

    large = None
    if args.large_factor > 1:
        big_landing = root / "landing-large"
        (big_landing / "dossiers").mkdir(parents=True)
        write_dossiers(big_landing / "dossiers" / "40_2024-03.csv", args.rows * args.large_factor, seed=3)
        large = measure_ingest(fresh_database(server_url, "bench_large"), big_landing)
        print(f"large ingest {large['seconds']:.1f} s, {large['peak_rss_mb']:.0f} MB peak", file=sys.stderr)
        shutil.rmtree(big_landing)

    return {
        "rows": args.rows,
        "copy_s": round(copy_s, 3),
        "ingest_s": round(ingest["seconds"], 3),
        "ingest_breakdown_s": ingest["breakdown"],
        "pandas_s": round(pandas_s, 3),
        "dbt_full_s_1m": None if dbt_full_s is None else round(dbt_full_s, 3),
        "dbt_incremental_s_1m": None if dbt_incremental_s is None else round(dbt_incremental_s, 3),
        "peak_rss_mb": round(ingest["peak_rss_mb"], 1),
        "peak_rss_mb_large": None if large is None else round(large["peak_rss_mb"], 1),
        "large_rows": None if large is None else args.rows * args.large_factor,
        "large_ingest_s": None if large is None else round(large["seconds"], 3),
        "ingest_vs_copy": round(ingest["seconds"] / copy_s, 2),
        "pandas_vs_ingest": round(pandas_s / ingest["seconds"], 2),
        "incremental_vs_full_1m": None if not dbt_full_s else round(dbt_incremental_s / dbt_full_s, 3),
        "rss_growth_5m_vs_1m": None if large is None else round(large["peak_rss_mb"] / ingest["peak_rss_mb"], 2),
    }


def national_year(rows: int, root: Path, server_url: str, *, skip_dbt: bool) -> dict[str, Any]:
    """The pipeline end to end on a national year of record-level data (target: under 10 min),
    then dbt's full and incremental builds of the dossier facts on that warehouse."""
    landing = root / "landing-national"
    t = time.perf_counter()
    files = write_national_year(landing, rows)
    size = sum(f.stat().st_size for f in (landing / "dossiers").iterdir())
    print(f"national year: {files} files, {size / 2**30:.2f} GB in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    url = fresh_database(server_url, "bench_national")
    outcome = measure_national_year(url, landing, root)
    summary = outcome["summary"]
    print(f"national year: reform-etl run took {outcome['seconds']:.0f} s", file=sys.stderr)
    dbt: dict[str, Any] = {}
    if not skip_dbt:
        # One more province-month, 1 % of the year's rows: a unit's first month after the year.
        full, incremental = measure_dbt(url, landing, rows // 100, province="01", year=2026, month=7)
        print(f"national year: dbt_full_s {full:.1f} dbt_incremental_s {incremental:.1f}", file=sys.stderr)
        dbt = {
            "dbt_full_s": round(full, 3),
            "dbt_incremental_s": round(incremental, 3),
            "incremental_vs_full": round(incremental / full, 3),
        }
    return {
        **dbt,
        "national_year_rows": summary.get("rows_read"),
        "national_year_rows_loaded": summary.get("rows_loaded"),
        "national_year_files": files,
        "national_year_files_by_status": summary.get("files_by_status"),
        "national_year_s": round(outcome["seconds"], 1),
        "national_year_stage_s": summary.get("stage_seconds"),
        "national_year_under_10_min": outcome["seconds"] < 600,
    }


if __name__ == "__main__":
    main()
