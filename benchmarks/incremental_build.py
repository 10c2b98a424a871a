"""Incremental build cost of the community domain: 10k new events on `standard` history vs on `large`.

    python -m benchmarks.incremental_build [--scales standard --scales large] [--events 10000] [--repeat 3]

For each scale: generate the world (seed 1), land its community files into a fresh DuckDB warehouse, build
the domain's models (`dbt run`, first build = full), then generate the next batch of `events` community
events (`generate_delta`) and, `repeat` times from a copy of the built warehouse, land it and run the
domain's models again (incremental). Reports dbt's model execution time (the sum over the domain's nodes)
and the wall time of the `dbt run`, medians; targets: incremental ≤ 10% of the full build, and the same 10k
events on `large` history ≤ 1.3× their cost on `standard`.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

from benchmarks.common import record
from warehouse.build import dbt_args
from warehouse.generate import generate_delta, generate_world
from warehouse.loaders.run import load
from warehouse.settings import target_from_env

COMMUNITY_FILES = ("nfts", "users", "votes", "sliders", "fires")
SELECTION = [
    "path:models/staging/community",
    "path:models/intermediate/community",
    "path:models/marts/community",
    "path:models/marts/ops/pipeline_dirty_nfts.sql",
    "path:seeds/community",
]


def cold_dbt_run(target, args: list[str], command: str = "run") -> tuple[float, float, list[tuple[str, float]]]:
    """`dbt <command> <args>` in a fresh process against `target`: (sum of the models' execution times, wall
    time of the process, per-model times). dbt's target/ goes to $DBT_TARGET_PATH (set by the benchmark). No
    dbt connection stays open in this process, so the warehouse file is free for the next one."""
    env = {**os.environ, **target.dbt_env()}
    argv = [str(Path(sys.executable).parent / "dbt"), "--quiet", *dbt_args(command, target, *args)]
    started = time.perf_counter()
    finished = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"dbt {command} failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}")
    results = json.loads((Path(env["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]
    models = [(r["unique_id"].split(".")[-1], r["execution_time"]) for r in results if r["unique_id"][:6] == "model."]
    return sum(seconds for _, seconds in models), wall, models


def _community(folder: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name in COMMUNITY_FILES:
        if (folder / f"{name}.csv").exists():
            shutil.copy(folder / f"{name}.csv", out / f"{name}.csv")
    return out


def _run(target) -> tuple[float, float, list[tuple[str, float]]]:
    """`dbt run` of the domain in a fresh process, as a scheduled build runs (Python imports are cold); one
    thread, so node times add up to the models' execution time (two threads would overlap them)."""
    return cold_dbt_run(target, [arg for s in SELECTION for arg in ("--select", s)] + ["--threads", "1"])


def _scale(scale: str, events: int, repeat: int, work: Path) -> dict:
    world = work / f"{scale}_world"
    generate_world(scale, 1, world)
    landing = _community(world, work / f"{scale}_landing")
    delta_world = work / f"{scale}_delta"
    generate_delta(world, delta_world, events=events)
    delta = _community(delta_world, work / f"{scale}_delta_landing")
    shutil.rmtree(world)
    shutil.rmtree(delta_world)

    base = work / f"{scale}.duckdb"
    target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(base)})
    started = time.perf_counter()
    load([landing], target)
    load_seconds = time.perf_counter() - started
    cold_dbt_run(target, ["--select", "path:seeds/community"], command="seed")
    full_models, full_wall, _ = _run(target)

    runs = []
    for attempt in range(repeat):
        copy = work / f"{scale}-{attempt}.duckdb"
        shutil.copy(base, copy)
        incremental = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(copy)})
        load([delta], incremental)
        runs.append(_run(incremental))
        copy.unlink()
    slowest = sorted(runs[len(runs) // 2][2], key=lambda item: -item[1])[:4]
    return {
        "scale": scale,
        "history_events": _count_events(base),
        "load_s": load_seconds,
        "full_models_s": full_models,
        "full_wall_s": full_wall,
        "incremental_models_s": statistics.median(models for models, _, _ in runs),
        "incremental_wall_s": statistics.median(wall for _, wall, _ in runs),
        "slowest": ", ".join(f"{name} {seconds:.2f}s" for name, seconds in slowest),
    }


def _count_events(path: Path) -> int:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        return int(
            con.sql(
                "select (select count(*) from raw.votes) + (select count(*) from raw.sliders) "
                "+ (select count(*) from raw.fires)"
            ).fetchone()[0]
        )
    finally:
        con.close()


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    scales: list[str] = typer.Option(
        ["standard", "large"],
        "--scales",
        help="Scales of history, in order (repeat the option: --scales standard --scales large).",
    ),
    events: int = typer.Option(10000, "--events"),
    repeat: int = typer.Option(3, "--repeat"),
) -> None:
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-incremental-"))
    os.environ["DBT_TARGET_PATH"] = str(work / "dbt_target")
    os.environ["DBT_LOG_PATH"] = str(work / "dbt_logs")
    try:
        results = [_scale(scale, events, repeat, work) for scale in scales]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    baseline = results[0]["incremental_models_s"]
    rows = [
        {
            "scale": r["scale"],
            "history_events": r["history_events"],
            "full_build_models_s": r["full_models_s"],
            "incremental_models_s": r["incremental_models_s"],
            "incremental_vs_full": r["incremental_models_s"] / r["full_models_s"],
            f"vs_{results[0]['scale']}": r["incremental_models_s"] / baseline,
            "incremental_wall_s": r["incremental_wall_s"],
            "slowest_models": r["slowest"],
        }
        for r in results
    ]
    notes = (
        f"Community domain models only (`dbt run` of staging, intermediate, marts, ops queue), DuckDB, seed 1; "
        f"{events:,} new community events from `generate_delta`, landed into a copy of the built warehouse; "
        f"medians of {repeat} runs. Each `dbt run` is a fresh process (cold Python imports, like a build); "
        "model time = sum of dbt's execution time over the domain's nodes, on one thread so that they do not "
        "overlap (the wall time adds the process start, parsing and hooks). "
        "Tests are not part of the timing: key and relationship tests "
        "scan whole tables by nature. Targets: incremental ≤ 10% of the full build; large ≤ 1.3× standard."
    )
    record("incremental_build", "Community incremental build: 10k new events on standard vs large history", rows, notes)
    for row in rows:
        print(row)


if __name__ == "__main__":
    app()
