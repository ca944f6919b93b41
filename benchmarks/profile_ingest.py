"""Where the ingest's time goes per file: pyinstrument over many small files, then one big file.

    .venv/bin/pip install pyinstrument
    .venv/bin/python benchmarks/profile_ingest.py --url postgresql://postgres@127.0.0.1:5432/postgres

Creates (and drops) its own databases on that server, writes the HTML profiles and a text
summary under ``--out`` (default ``.state/profile``). The ``--files`` small files are one
unit's months, so supersession meets a growing history as it would in production.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))

from bench_ingest import fresh_database, write_dossiers  # noqa: E402


def _profile(url: str, landing: Path, out: Path, name: str) -> float:
    from pyinstrument import Profiler

    from reform_etl import pipeline

    pipeline.prepare(url, run_id=f"profile-{name}", trigger="profile", landing=landing)
    profiler = Profiler(interval=0.002)
    started = time.perf_counter()
    profiler.start()
    pipeline.ingest_all(url, landing, run_id=f"profile-{name}")
    profiler.stop()
    elapsed = time.perf_counter() - started
    (out / f"{name}.html").write_text(profiler.output_html(), encoding="utf-8")
    (out / f"{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--files", type=int, default=60, help="small files (one unit, consecutive months)")
    parser.add_argument("--small-rows", type=int, default=2_000)
    parser.add_argument("--big-rows", type=int, default=300_000)
    parser.add_argument("--out", type=Path, default=Path(".state/profile"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reform-profile-") as tmp:
        root = Path(tmp)
        os.environ["REFORM_ARCHIVE_DIR"] = str(root / "archive")
        small = root / "small" / "dossiers"
        small.mkdir(parents=True)
        for n in range(args.files):
            year, month = 2020 + n // 12, n % 12 + 1
            write_dossiers(small / f"40_{year}-{month:02d}.csv", args.small_rows, month=month, year=year, seed=n)
        big = root / "big" / "dossiers"
        big.mkdir(parents=True)
        write_dossiers(big / "40_2024-03.csv", args.big_rows)
        admin = args.url.rsplit("/", 1)[0] + "/postgres"
        for name, landing, files in (("small", small.parent, args.files), ("big", big.parent, 1)):
            url = fresh_database(args.url, f"profile_{name}")
            try:
                elapsed = _profile(url, landing, args.out, name)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'drop database if exists "profile_{name}" with (force)')
            print(
                f"{name}: {files} file(s) in {elapsed:.2f} s, {elapsed / files * 1000:.0f} ms a file", file=sys.stderr
            )
    print(f"profiles in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
