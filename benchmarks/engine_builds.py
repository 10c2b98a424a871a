"""Whole-warehouse build times on both engines: a full build of a generated world, an incremental build after
a later batch, and (PostgreSQL) a full refresh.

    python -m benchmarks.engine_builds [--scale small] [--delta-events 10000]

One run per figure (a build of `standard` takes minutes): wall time of `warehouse build` in this process,
dbt parsing, the Python models (run by dbt-duckdb on DuckDB, by warehouse.python_steps on PostgreSQL) and
every dbt test included.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

import typer

from benchmarks.common import record
from warehouse.build import build
from warehouse.generate import generate_delta, generate_world
from warehouse.loaders.run import load
from warehouse.settings import target_from_env


def _timed_build(target, **options) -> float:
    started = time.perf_counter()
    report = build(target, quiet=True, **options)
    seconds = time.perf_counter() - started
    if not report.success:
        raise SystemExit(f"build on {target.name} failed: {report.error}")
    return round(seconds, 1)


app = typer.Typer(add_completion=False)


@app.command(help=__doc__)
def main(
    scale: str = typer.Option("small", help="Scale of the generated world (tiny, small, standard, large)."),
    delta_events: int = typer.Option(10_000, help="New community events in the later batch."),
    name: str | None = typer.Option(None, help="Results name (default engine_builds_<scale>)."),
) -> None:
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-"))
    postgres = target_from_env("postgres", {"PGDATABASE": f"warehouse_bench_{uuid.uuid4().hex[:8]}"})
    duckdb = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(work / "bench.duckdb")})
    rows = []
    try:
        generate_world(scale, 7, work / "world")
        generate_delta(work / "world", work / "delta", events=delta_events)
        for target in (duckdb, postgres):
            load([work / "world"], target)
            full = _timed_build(target)
            load([work / "delta"], target)
            incremental = _timed_build(target)
            refresh = _timed_build(target, full_refresh=True) if target.is_postgres else None
            rows.append(
                {
                    "scale": scale,
                    "engine": target.name,
                    "full_build_s": full,
                    "incremental_build_s": incremental,
                    "new_events": delta_events,
                    "full_refresh_s": refresh if refresh is not None else "-",
                }
            )
            print(rows[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        import psycopg2

        admin = psycopg2.connect(postgres.pg_dsn("postgres"))
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{postgres.pg_database}" with (force)')
        admin.close()
    record(
        name or f"engine_builds_{scale}",
        f"Whole-warehouse builds on DuckDB and PostgreSQL ({scale})",
        rows,
        notes=(
            f"Scale `{scale}` (seed 7), then {delta_events:,} new community events (`generate_delta`) and "
            "an incremental build; one run per figure, wall time of `warehouse build` (parse, every model, the "
            "Python models, every test). On PostgreSQL the Python models run between dbt phases "
            "(python/warehouse/python_steps/)."
        ),
    )


if __name__ == "__main__":
    app()
