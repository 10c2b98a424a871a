"""Staking share prices: the marts against the old way (parse every epoch's JSON in Python per request).

    python -m benchmarks.staking [--scale standard] [--repeat 5] [--lookups 50] [--postgres]

Generates the scale's world once (only `epochs.jsonl` is landed), lands it into a fresh DuckDB file (and,
with --postgres, a fresh PostgreSQL database), builds the staking models, then times on each engine:

- the "All" query: every epoch x every operator from `marts.operator_share_prices` (epoch, operator_id,
  the exact price as decimal text, the price as a double, is_observed) in (epoch, operator) order,
  fetched as an Arrow table (the columnar result a dashboard backend hands on; DuckDB) and as Python
  tuples (both engines);
- a single-epoch lookup: the same columns for one epoch, as Python tuples (median over `--lookups`
  random epochs);
- the old way for the same answers: read the payloads from `raw.epochs`, `json.loads` each, parse the
  sparse prices exactly, forward-fill in Python. For one epoch the old way still has to parse every
  earlier epoch to forward-fill; the cost of parsing that single document alone is reported too.

Both ways must return identical rows (checked before timing). Targets (benchmarks.md): "All" <= 200 ms
on DuckDB and >= 50x the old way; single-epoch lookup <= 10 ms.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import typer

from benchmarks.common import median_seconds, record
from warehouse.build import run_dbt
from warehouse.generate import generate_world
from warehouse.loaders.amounts import parse_u128
from warehouse.loaders.run import load
from warehouse.settings import Target, target_from_env

SELECT = ["path:models/staging/staking", "path:models/intermediate/staking", "path:models/marts/staking"]
EXACT = "epoch, operator_id, share_price_perq_text, share_price, is_observed"
CHART = "epoch, operator_id, share_price, is_observed"


def all_sql(engine: str, columns: str) -> str:
    """The mart is written in (domain_id, epoch, operator_id) order; DuckDB returns a table's rows in that
    order without a sort (its default preserve_insertion_order), PostgreSQL needs the ORDER BY. The
    comparison with the old way's rows includes their order."""
    order = " order by epoch, operator_id" if engine == "postgres" else ""
    return f"select {columns} from marts.operator_share_prices where domain_id = 0{order}"


EPOCH_SQL = (
    f"select {EXACT} from marts.operator_share_prices where domain_id = 0 and epoch = {{epoch}} order by operator_id"
)
# the newest payload of every epoch, as the old dashboards read them
PAYLOADS_SQL = (
    "select e.epoch, e.payload from raw.epochs as e "
    "where e.domain_id = 0 and e.event_seq = "
    "(select max(v.event_seq) from raw.epochs as v where v.domain_id = e.domain_id and v.epoch = e.epoch) "
    "{until} order by e.epoch"
)
TARGET_ALL_MS, TARGET_RATIO, TARGET_LOOKUP_MS = 200, 50, 10


# --- the old way ------------------------------------------------------------------------------------


def appearing_operators(data: dict) -> set[int]:
    """Operators an epoch document names anywhere (the rows the forward fill gives the operator)."""
    summary = data.get("domainStakingSummary") or {}
    named = {entry["key"][0] for entry in (data.get("operators") or {}).get("entries") or []}
    for field in ("currentOperators", "currentEpochRewards"):
        named.update(int(operator) for operator in summary.get(field) or {})
    named.update(entry["key"][0] for entry in (data.get("operatorEpochSharePrice") or {}).get("entries") or [])
    return named


def old_way(payloads: list[tuple[int, str]], only_epoch: int | None = None, exact: bool = True) -> list[tuple]:
    """Parse every payload, forward-fill the sparse prices; rows as the mart returns them (`EXACT` or,
    with exact=False, `CHART` columns)."""
    last: dict[int, int] = {}
    rows = []
    for epoch, payload in payloads:
        data = json.loads(payload)["data"]
        observed = {
            entry["key"][0]: parse_u128(entry["value"])
            for entry in (data.get("operatorEpochSharePrice") or {}).get("entries") or []
        }
        last.update(observed)
        if only_epoch is not None and epoch != only_epoch:
            continue
        for operator in sorted(appearing_operators(data)):
            if operator in last:
                perq = last[operator]
                if exact:
                    rows.append((epoch, operator, str(perq), perq / 1e18, operator in observed))
                else:
                    rows.append((epoch, operator, perq / 1e18, operator in observed))
    return rows


# --- engines ------------------------------------------------------------------------------------------


class Engine:
    """A warehouse and one connection kept open for the queries (as a dashboard server keeps one)."""

    def __init__(self, name: str, target: Target):
        self.name, self.target, self._con = name, target, None

    def _connection(self):
        if self._con is None:
            if self.target.is_postgres:
                import psycopg2

                self._con = psycopg2.connect(self.target.pg_dsn())
                self._con.autocommit = True
            else:
                import duckdb

                self._con = duckdb.connect(str(self.target.duckdb_path))
        return self._con

    def fetch(self, sql: str) -> list[tuple]:
        cursor = self._connection().cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()

    def arrow(self, sql: str):
        """The result as an Arrow table (DuckDB)."""
        cursor = self._connection().cursor()
        try:
            return cursor.execute(sql).to_arrow_table()
        finally:
            cursor.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()


def _duckdb_engine(work: Path) -> Engine:
    path = work / "duckdb" / "warehouse.duckdb"
    return Engine("duckdb", target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path)}))


def _postgres_engine() -> Engine:
    database = f"warehouse_bench_staking_{uuid.uuid4().hex[:8]}"
    return Engine("postgres", target_from_env("postgres", {"PGDATABASE": database}))


def _drop_postgres(target: Target) -> None:
    import psycopg2

    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{target.pg_database}" with (force)')
    admin.close()


def _prepare(engine: Engine, epochs_file: Path, work: Path) -> dict:
    started = time.perf_counter()
    report = load([epochs_file], engine.target)
    assert report.ok, report
    landed = time.perf_counter() - started
    started = time.perf_counter()
    args = ["--target-path", str(work / f"dbt-{engine.name}")]
    for selector in SELECT:
        args += ["--select", selector]
    built = run_dbt("run", engine.target, *args, quiet=True)
    assert built.success, built.error
    return {"load_s": landed, "build_s": time.perf_counter() - started}


def _timed(action, *args) -> float:
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def _measure(engine: Engine, repeat: int, lookups: int, seed: int) -> list[dict]:
    payloads = engine.fetch(PAYLOADS_SQL.format(until=""))
    epochs = [epoch for epoch, _ in payloads]
    rows = []
    for columns, exact in ((CHART, False), (EXACT, True)):
        sql = all_sql(engine.name, columns)
        expected = old_way(payloads, exact=exact)
        assert engine.fetch(sql) == expected, "the mart and the old way disagree"
        if not engine.target.is_postgres:
            assert [tuple(r.values()) for r in engine.arrow(sql).to_pylist()] == expected
        old = median_seconds(
            lambda exact=exact: old_way(engine.fetch(PAYLOADS_SQL.format(until="")), exact=exact), repeat
        )
        what = "chart columns" if not exact else "with the exact price text"
        shape = f"{len(epochs):,} epochs x {len({r[1] for r in expected})} operators, {len(expected):,} rows"
        if not engine.target.is_postgres:
            mart = median_seconds(lambda sql=sql: engine.arrow(sql), repeat * 3)
            rows.append(_row(engine.name, f"All, {what}, Arrow", shape, mart, old, TARGET_ALL_MS, TARGET_RATIO))
        mart = median_seconds(lambda sql=sql: engine.fetch(sql), repeat * 3)
        rows.append(_row(engine.name, f"All, {what}, Python tuples", shape, mart, old, TARGET_ALL_MS, TARGET_RATIO))

    rng = random.Random(seed)
    picks = [rng.choice(epochs) for _ in range(lookups)]
    for epoch in picks[:3]:
        until = PAYLOADS_SQL.format(until=f"and e.epoch <= {epoch}")
        assert engine.fetch(EPOCH_SQL.format(epoch=epoch)) == old_way(engine.fetch(until), only_epoch=epoch)
    mart_one = statistics.median(_timed(engine.fetch, EPOCH_SQL.format(epoch=e)) for e in picks)
    old_one = statistics.median(
        _timed(lambda e: old_way(engine.fetch(PAYLOADS_SQL.format(until=f"and e.epoch <= {e}")), only_epoch=e), e)
        for e in picks[:repeat]
    )
    one_doc_sql = (
        "select payload from raw.epochs where domain_id = 0 and epoch = {epoch} order by event_seq desc limit 1"
    )
    one_doc = statistics.median(
        _timed(lambda e: json.loads(engine.fetch(one_doc_sql.format(epoch=e))[0][0]), e) for e in picks
    )
    lookup = f"median of {lookups} random epochs"
    rows.append(_row(engine.name, "single-epoch lookup", lookup, mart_one, old_one, TARGET_LOOKUP_MS))
    rows.append(
        _row(engine.name, "single-epoch lookup vs reading one document (no forward fill)", lookup, mart_one, one_doc)
    )
    return rows


def _row(
    engine: str,
    query: str,
    rows: str,
    mart: float,
    old: float,
    target_ms: float | None = None,
    ratio: float | None = None,
) -> dict:
    on_duckdb = engine == "duckdb"
    if target_ms is None:
        target, meets = "-", "-"
    else:
        target = f"<= {target_ms} ms" + (f", >= {ratio}x" if ratio else "")
        met = mart * 1000 <= target_ms and (ratio is None or old / mart >= ratio)
        meets = ("yes" if met else "no") if on_duckdb else "-"
    return {
        "engine": engine,
        "query": query,
        "rows": rows,
        "mart_ms": round(mart * 1000, 3),
        "old_way_ms": round(old * 1000, 3),
        "speedup": round(old / mart, 1),
        "target": target if on_duckdb or target == "-" else f"({target}, DuckDB's)",
        "meets_target": meets,
    }


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    scale: str = typer.Option("standard", "--scale"),
    seed: int = typer.Option(7, "--seed"),
    repeat: int = typer.Option(5, "--repeat", help="runs per timing of the old way (mart: 3x)"),
    lookups: int = typer.Option(50, "--lookups"),
    postgres: bool = typer.Option(False, "--postgres", help="also land, build and query on PostgreSQL"),
    no_record: bool = typer.Option(False, "--no-record", help="print only (smoke runs)"),
) -> None:
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-staking-"))
    rows, setup, engines = [], {}, []
    try:
        data = work / "data"
        started = time.perf_counter()
        generate_world(scale, seed, data)
        print(f"generated {scale} in {time.perf_counter() - started:.1f} s")
        epochs_file = data / "epochs.jsonl"
        engines.append(_duckdb_engine(work))
        if postgres:
            engines.append(_postgres_engine())
        for engine in engines:
            setup[engine.name] = _prepare(engine, epochs_file, work)
            timing = setup[engine.name]
            print(f"{engine.name}: landed in {timing['load_s']:.1f} s, built in {timing['build_s']:.1f} s")
            measured = _measure(engine, repeat, lookups, seed)
            for row in measured:
                print(row)
            rows += measured
        size = epochs_file.stat().st_size / 1e6
        notes = (
            f"Scale `{scale}` (seed {seed}), `epochs.jsonl` {size:.0f} MB. Mart timings: median of "
            f"{repeat * 3} runs (All) / {lookups} random epochs (lookup), over one open connection. "
            "Old way: the newest payload of every epoch read from `raw.epochs`, `json.loads`, exact amount "
            f"parsing, forward fill in Python (median of {repeat}); for one epoch it must still parse every "
            "earlier epoch to forward-fill (the last row compares with reading that one document alone, which "
            "gives only the sparse published prices). Both ways return identical rows (checked). "
            "Setup (not timed in the table): "
            + "; ".join(
                f"{name} load {s['load_s']:.1f} s, staking models build {s['build_s']:.1f} s"
                for name, s in setup.items()
            )
            + ". PostgreSQL rows are informational (targets are for DuckDB); its marts carry indexes on "
            "(operator_id, epoch) and (epoch)."
        )
        if not no_record:
            path = record("staking", "Staking share prices: marts vs parsing the epoch JSON per request", rows, notes)
            print(f"wrote {path}")
    finally:
        for engine in engines:
            engine.close()
            if engine.target.is_postgres:
                _drop_postgres(engine.target)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    app()
