"""Search latency: `warehouse.search.search` warm in one process, and `warehouse search` from a fresh process.

    python -m benchmarks.search [--scale standard] [--queries 20]

Generates the scale's world, lands its discovery files into a fresh DuckDB warehouse and builds the search
index (`dbt run --select +search_query_templates`); then runs the same queries (the generator's planted search queries,
then pairs of words from project names) three ways, each the median over the queries:

- warm query: the BM25 SQL alone on an open connection (target ≤ 0.1 s);
- warm search: `search()` in this process after a first call — open the file, read the stored query, rank;
- fresh process: `warehouse search "QUERY"` as a user types it, interpreter start included (target ≤ 1.5 s).
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

import duckdb
import typer

from benchmarks.common import record
from benchmarks.incremental_build import cold_dbt_run
from warehouse.generate import generate_world
from warehouse.generate.world import TABULAR
from warehouse.loaders.run import load
from warehouse.search import _template_query, fill_template, query_terms, search
from warehouse.settings import target_from_env

# the discovery sources and the users they refer to (the generator lists its tabular sources in this order)
DISCOVERY_FILES = ("users", *TABULAR[TABULAR.index("projects") :])
TARGETS = {"warm_query_s": 0.1, "fresh_process_s": 1.5}

app = typer.Typer(add_completion=False)


def _queries(world: Path, target, n: int) -> list[str]:
    planted = [entry["query"] for entry in json.loads((world / "truth" / "search.json").read_text())]
    connection = duckdb.connect(str(target.duckdb_path), read_only=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "select title from marts.search_documents where doc_type = 'project'"
            ).fetchall()
        ]
    finally:
        connection.close()
    words = [word for name in names for word in query_terms(name)]
    pairs = [f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=False)]
    return (planted + pairs)[:n]


def _interpreter_seconds() -> float:
    """A bare `python -c pass` from a fresh process: the machine's floor for any command."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def _fresh_process_seconds(query: str, target) -> float:
    warehouse = Path(sys.executable).parent / "warehouse"
    env = {"WAREHOUSE_DUCKDB_PATH": str(target.duckdb_path), "PATH": "/usr/bin:/bin"}
    started = time.perf_counter()
    subprocess.run([str(warehouse), "search", query], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


@app.command()
def main(
    scale: str = typer.Option("standard", help="Scale of the generated world (tiny, small, standard, large)."),
    queries: int = typer.Option(20, help="How many queries (each timed once per way)."),
    seed: int = typer.Option(1, help="Seed of the generated world."),
) -> None:
    """Search latency, warm and from a fresh process; writes benchmarks/results/search.json."""
    work = Path(tempfile.mkdtemp(prefix="benchmark-search-"))
    try:
        world = work / "world"
        generate_world(scale, seed, world)
        landing = work / "landing"
        landing.mkdir()
        for name in DISCOVERY_FILES:
            for path in world.glob(f"{name}.*"):
                shutil.copy(path, landing / path.name)
        target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(work / "warehouse.duckdb")})
        report = load([landing], target)
        if not report.ok:
            raise SystemExit(f"load failed: {report.error}")
        os.environ["DBT_TARGET_PATH"] = str(work / "target")
        _, _, models = cold_dbt_run(target, ["--select", "+search_query_templates"])  # own process: file stays free
        print(f"built {len(models)} models")

        texts = _queries(world, target, queries)
        connection = duckdb.connect(str(target.duckdb_path), read_only=True)
        try:
            warm_query = []
            for text in texts:
                [template] = connection.execute(_template_query(None)).fetchall()
                sql = fill_template(template, query_terms(text), 10)
                connection.execute(sql).fetchall()  # first run of this query: caches warm
                started = time.perf_counter()
                connection.execute(sql).fetchall()
                warm_query.append(time.perf_counter() - started)
        finally:
            connection.close()
        search(target, texts[0])
        warm_search = []
        for text in texts:
            started = time.perf_counter()
            search(target, text)
            warm_search.append(time.perf_counter() - started)
        fresh = [_fresh_process_seconds(text, target) for text in texts]
        interpreter = [_interpreter_seconds() for _ in texts]
        load_average = os.getloadavg()[0]
        with duckdb.connect(str(target.duckdb_path), read_only=True) as connection:
            n_documents = connection.execute("select count(*) from marts.search_documents").fetchone()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    ways = (
        ("warm_query_s", warm_query),
        ("warm_search_s", warm_search),
        ("fresh_process_s", fresh),
        ("bare_interpreter_s", interpreter),
    )
    for way, times in ways:
        median = statistics.median(times)
        goal = TARGETS.get(way)
        rows.append(
            {
                "measure": way,
                "scale": scale,
                "documents": n_documents,
                "queries": len(times),
                "median_s": round(median, 4),
                "max_s": round(max(times), 4),
                "target_s": goal if goal is not None else "-",
                "ratio_to_target": round(median / goal, 3) if goal else "-",
                "load_average": round(load_average, 1),
            }
        )
        print(
            f"{way:16} median {median:.4f} s  max {max(times):.4f} s"
            + (f"  ({median / goal:.2f}x target)" if goal else "")
        )
    record(
        "search",
        "Search latency",
        rows,
        notes="No dbt at search time: the BM25 query is compiled into `marts.search_query_templates` by the build. "
        '`fresh_process_s` is `warehouse search "QUERY"` wall time, interpreter start included.',
    )


if __name__ == "__main__":
    app()
