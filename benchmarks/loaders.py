"""Loader throughput: community events (votes, sliders, fires) landed per second, CSV and Parquet.

    python -m benchmarks.loaders [--scale standard] [--repeat 3] [--postgres]

Generates the scale's data once per format into a temporary folder, then lands the three event files
into a fresh warehouse `repeat` times and reports the median events/s (target: ≥ 200,000).
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

import typer

from benchmarks.common import median_seconds, record
from warehouse.generate import generate_world
from warehouse.loaders.run import load
from warehouse.settings import target_from_env

EVENT_SOURCES = ("votes", "sliders", "fires")
TARGET_EVENTS_PER_SECOND = 200_000


def _event_files(folder: Path, fmt: str) -> list[Path]:
    return [folder / f"{source}.{fmt}" for source in EVENT_SOURCES]


def _fresh_duckdb(folder: Path):
    path = folder / f"bench-{uuid.uuid4().hex[:6]}.duckdb"
    return target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path)})


def _fresh_postgres():
    return target_from_env("postgres", {"PGDATABASE": f"warehouse_bench_{uuid.uuid4().hex[:8]}"})


def _drop_postgres(target) -> None:
    import psycopg2

    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{target.pg_database}" with (force)')
    admin.close()


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    scale: str = typer.Option("standard", "--scale"),
    repeat: int = typer.Option(3, "--repeat"),
    postgres: bool = typer.Option(False, "--postgres", help="also land into PostgreSQL (COPY path)"),
) -> None:
    rows = []
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-"))
    try:
        for fmt in ("csv", "parquet"):
            data = work / fmt
            started = time.perf_counter()
            summary = generate_world(scale, 7, data, fmt=fmt)
            generated = time.perf_counter() - started
            events = sum(summary["files"][f"{s}.{fmt}"] for s in EVENT_SOURCES)
            size = sum(p.stat().st_size for p in _event_files(data, fmt))
            engines = [("duckdb", lambda: _fresh_duckdb(work), None)]
            if postgres:
                engines.append(("postgres", _fresh_postgres, _drop_postgres))
            for engine, make_target, cleanup in engines:
                targets = []

                def setup(make_target=make_target, targets=targets):
                    targets.append(make_target())

                def land(targets=targets, data=data, fmt=fmt, events=events):
                    report = load(_event_files(data, fmt), targets[-1])
                    assert report.ok and sum(f.rows_written for f in report.files) == events, report

                seconds = median_seconds(land, repeat, setup=setup)
                if cleanup:
                    for target in targets:
                        cleanup(target)
                rate = events / seconds
                rows.append(
                    {
                        "format": fmt,
                        "engine": engine,
                        "events": events,
                        "file_mb": round(size / 1e6, 1),
                        "median_s": round(seconds, 3),
                        "events_per_s": round(rate),
                        "vs_target": round(rate / TARGET_EVENTS_PER_SECOND, 2),
                        "generate_s": round(generated, 1),
                    }
                )
                print(rows[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record(
        "loaders",
        f"Loaders: community events landed per second ({scale})",
        rows,
        notes=f"vs_target = events_per_s / {TARGET_EVENTS_PER_SECOND:,} (the spec's target); each run lands "
        "votes, sliders and fires into a fresh warehouse in one load (read, validate, write, commit).",
    )


if __name__ == "__main__":
    app()
