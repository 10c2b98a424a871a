"""The Elo step's throughput: votes/s end to end in the dbt model, and against the openskill package.

    python -m benchmarks.elo [--scale standard] [--repeat 3] [--openskill-votes 20000]

Generates the scale's world once, lands its community files into a fresh DuckDB warehouse, then rebuilds
`int_votes_rated` with `--full-refresh` `repeat` times: dbt's execution time of that node is the whole step
in the model — read the votes from the warehouse, order them by event_seq, encode ids, rate, write the table
(target: ≥ 1M votes/s). For reference it also times the kernel alone on the same votes, and the openskill
package (BradleyTerryFull, the same parameters, unit weights) on a prefix of them, as votes/s and ratios
(target: ≥ 20× openskill).
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import typer
from openskill.models import BradleyTerryFull

from benchmarks.common import median_seconds, record
from benchmarks.incremental_build import cold_dbt_run
from warehouse.build import run_dbt
from warehouse.generate import generate_world
from warehouse.loaders.run import load
from warehouse.ratings.elo import EloParams, rate_votes
from warehouse.ratings.encoding import encode_keys
from warehouse.settings import target_from_env

COMMUNITY_FILES = ("nfts", "users", "votes", "sliders", "fires")


def _landing(scale: str, work: Path) -> Path:
    world = work / "world"
    generate_world(scale, 1, world)
    landing = work / "landing"
    landing.mkdir()
    for name in COMMUNITY_FILES:
        shutil.copy(world / f"{name}.csv", landing / f"{name}.csv")
    shutil.rmtree(world)
    return landing


STEP = ["--select", "stg_community__votes", "int_votes_rated", "--full-refresh"]


def _warm_model_seconds(target) -> float:
    """The step's node time in a dbt run inside this process, after a first one: Python imports are warm."""
    report = run_dbt("run", target, *STEP, quiet=True)
    if not report.success:
        raise SystemExit(f"dbt run failed: {report.error}")
    return next(n.seconds for n in report.nodes if n.name == "int_votes_rated")


def _cold_model_seconds(target) -> float:
    """The step's node time in a fresh `dbt run` process, as a scheduled build runs it (numba imported and its
    cached kernels loaded inside the step)."""
    _, _, models = cold_dbt_run(target, STEP)
    return dict(models)["int_votes_rated"]


def _votes(path: Path):
    con = duckdb.connect(str(path))
    try:
        table = con.sql(
            "select winner_nft_id, loser_nft_id, user_id, is_super_vote from staging.stg_community__votes "
            "order by event_seq"
        ).to_arrow_table()
    finally:
        con.close()
    (winner, loser), nfts = encode_keys(table["winner_nft_id"], table["loser_nft_id"])
    (voter,), users = encode_keys(table["user_id"])
    return winner, loser, voter, table["is_super_vote"].to_numpy(), len(nfts), len(users)


def _openskill_seconds(winner: np.ndarray, loser: np.ndarray, n_nfts: int) -> float:
    model = BradleyTerryFull(mu=1500, sigma=350, beta=175, tau=3.5, kappa=1e-4)
    players = [model.rating() for _ in range(n_nfts)]
    started = time.perf_counter()
    for i, j in zip(winner.tolist(), loser.tolist(), strict=True):
        [[players[i]], [players[j]]] = model.rate([[players[i]], [players[j]]])
    return time.perf_counter() - started


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    scale: str = typer.Option("standard", "--scale"),
    repeat: int = typer.Option(3, "--repeat"),
    openskill_votes: int = typer.Option(20000, "--openskill-votes"),
) -> None:
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-elo-"))
    os.environ["DBT_TARGET_PATH"] = str(work / "dbt_target")
    os.environ["DBT_LOG_PATH"] = str(work / "dbt_logs")
    try:
        path = work / "warehouse.duckdb"
        target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path)})
        load([_landing(scale, work)], target)
        cold_seconds = statistics.median(_cold_model_seconds(target) for _ in range(repeat))
        _warm_model_seconds(target)
        model_seconds = statistics.median(_warm_model_seconds(target) for _ in range(repeat))

        winner, loser, voter, is_super, n_nfts, n_users = _votes(path)
        n_votes = len(winner)
        params = EloParams.defaults()

        def kernel(count: int):
            return lambda: rate_votes(
                winner[:count], loser[:count], voter[:count], is_super[:count],
                np.full(n_nfts, params.mu), np.full(n_nfts, params.sigma),
                np.full(n_users, params.alpha0), np.full(n_users, params.beta0), params,
            )  # fmt: skip

        kernel_seconds = median_seconds(kernel(n_votes), repeat)
        prefix = min(openskill_votes, n_votes)
        kernel_prefix_seconds = median_seconds(kernel(prefix), max(repeat, 5))
        openskill_seconds = statistics.median(
            _openskill_seconds(winner[:prefix], loser[:prefix], n_nfts) for _ in range(repeat)
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    model_rate = n_votes / model_seconds
    openskill_rate = prefix / openskill_seconds
    cold_rate = n_votes / cold_seconds
    rows = [
        {"what": "int_votes_rated in dbt, warm process (read, order, rate, write)", "votes": n_votes,
         "seconds": model_seconds, "votes_per_s": model_rate, "vs_openskill": model_rate / openskill_rate},
        {"what": "int_votes_rated in dbt, fresh process (+ numba import and cache load)", "votes": n_votes,
         "seconds": cold_seconds, "votes_per_s": cold_rate, "vs_openskill": cold_rate / openskill_rate},
        {"what": "kernel alone (rate_votes, numba)", "votes": n_votes, "seconds": kernel_seconds,
         "votes_per_s": n_votes / kernel_seconds, "vs_openskill": n_votes / kernel_seconds / openskill_rate},
        {"what": "kernel alone on the openskill prefix", "votes": prefix, "seconds": kernel_prefix_seconds,
         "votes_per_s": prefix / kernel_prefix_seconds,
         "vs_openskill": prefix / kernel_prefix_seconds / openskill_rate},
        {"what": "openskill BradleyTerryFull.rate, same votes (prefix)", "votes": prefix,
         "seconds": openskill_seconds, "votes_per_s": openskill_rate, "vs_openskill": 1.0},
    ]  # fmt: skip
    notes = (
        f"Scale `{scale}` (seed 1), DuckDB; medians of {repeat} runs. The model time is dbt's execution "
        "time of the `int_votes_rated` node in a `--full-refresh` run: warm = repeated runs in one process, fresh = "
        "a new `dbt` process per run, as a build. openskill is timed on the first votes by event_seq, unit weights "
        "(it has no reliability weighting), in-memory objects: its rate excludes any I/O, ours includes it. "
        "Targets: ≥ 1M votes/s end to end; ≥ 20× openskill."
    )
    record("elo", "Elo step (int_votes_rated) throughput", rows, notes)
    for row in rows:
        print(f"{row['what']}: {row['votes_per_s']:,.0f} votes/s ({row['vs_openskill']:,.0f}× openskill)")


if __name__ == "__main__":
    app()
