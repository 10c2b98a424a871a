"""`warehouse quality` time against the build it audits (target: ≤ 30 s on `standard`, ≤ 25% of the build).

    python -m benchmarks.quality [--scale standard] [--repeat 3] [--warehouse PATH]

Generates the scale (seed 1) and lands it into a fresh DuckDB warehouse — or, with --warehouse, works on a copy
of an already loaded one — then times, each in a fresh process as a user runs them, one
`warehouse build --no-audit --full-refresh` and `repeat` runs of `warehouse quality` (every suite of every
layer; the time includes Python and Great Expectations imports and writing the report). Medians.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from pathlib import Path

import typer

from benchmarks.common import record, timed_warehouse
from warehouse.generate import generate_world
from warehouse.loaders.run import load
from warehouse.settings import target_from_env

app = typer.Typer(add_completion=False)


@app.command(help=__doc__)
def main(
    scale: str = typer.Option("standard", help="Scale of the generated world (tiny, small, standard, large)."),
    repeat: int = typer.Option(3, help="How many runs of `warehouse quality` (the median is reported)."),
    warehouse: Path | None = typer.Option(None, help="A loaded DuckDB warehouse to copy instead of generating."),
) -> None:
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-quality-"))
    path = work / "warehouse.duckdb"
    env = {
        **os.environ,
        "WAREHOUSE_DUCKDB_PATH": str(path),
        "DBT_TARGET_PATH": str(work / "dbt_target"),
        "DBT_LOG_PATH": str(work / "dbt_logs"),
    }
    try:
        if warehouse:
            shutil.copy(warehouse, path)
        else:
            generate_world(scale, 1, work / "landing")
            load([work / "landing"], target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path)}))
        build_s = timed_warehouse("build", "--no-audit", "--full-refresh", env=env)
        quality = [timed_warehouse("quality", env=env) for _ in range(repeat)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median = statistics.median(quality)
    rows = [
        {
            "scale": scale,
            "build_s": build_s,
            "quality_median_s": median,
            "quality_runs_s": ", ".join(f"{s:.1f}" for s in quality),
            "quality_vs_build": median / build_s,
            "target": "<= 30 s, <= 25% of the build",
            "meets_target": "yes" if median <= 30 and median / build_s <= 0.25 else "no",
        }
    ]
    notes = (
        "DuckDB; `warehouse build --no-audit --full-refresh` and `warehouse quality` (all suites, all layers), each "
        "a fresh process; quality includes the Great Expectations import and writing the report."
    )
    record("quality", f"Quality suites vs the build ({scale})", rows, notes)
    print(rows[0])


if __name__ == "__main__":
    app()
