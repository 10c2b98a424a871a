"""Staking share prices: the marts against the old way (parse every epoch's JSON in Python per request).

    python -m benchmarks.staking [--scale standard] [--repeat 5] [--lookups 50] [--postgres]

Generates the scale's world once (only `epochs.jsonl` is landed), lands it into a fresh DuckDB file (and,
with --postgres, a fresh PostgreSQL database), builds the staking models, then times on each engine:

- the "All" query: every epoch x every operator from `marts.operator_share_prices`
  (epoch, operator_id, share_price_perq, share_price, is_observed), fetched as Python rows;
- a single-epoch lookup: the same columns for one epoch (median over `--lookups` random epochs);
- the old way for the same answers: read the payloads from `raw.epochs`, `json.loads` each, parse the
  sparse prices exactly, forward-fill in Python. For one epoch the old way still has to parse every
  earlier epoch to forward-fill; the cost of parsing that single document alone is reported too.

Both ways must return identical rows (checked before timing). Targets (benchmarks.md): "All" <= 200 ms
on DuckDB and >= 50x the old way; single-epoch lookup <= 10 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from benchmarks.common import median_seconds, record
from warehouse.build import run_dbt
from warehouse.generate import generate_world
from warehouse.loaders.amounts import parse_u128
from warehouse.loaders.run import load
from warehouse.settings import Target, target_from_env

SELECT = ["path:models/staging/staking", "path:models/intermediate/staking", "path:models/marts/staking"]
ALL_SQL = (
    "select epoch, operator_id, share_price_perq, share_price, is_observed "
    "from marts.operator_share_prices where domain_id = 0 order by epoch, operator_id"
)
EPOCH_SQL = (
    "select epoch, operator_id, share_price_perq, share_price, is_observed "
    "from marts.operator_share_prices where domain_id = 0 and epoch = {epoch} order by operator_id"
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


def old_way(payloads: list[tuple[int, str]], only_epoch: int | None = None) -> list[tuple]:
    """Parse every payload, forward-fill the sparse prices; rows as the mart returns them."""
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
                rows.append((epoch, operator, perq, perq / 1e18, operator in observed))
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

    def rows(self, sql: str) -> list[tuple]:
        """Rows with exact integers (PostgreSQL's NUMERIC arrives as Decimal)."""
        return [tuple(int(v) if isinstance(v, Decimal) else v for v in row) for row in self.fetch(sql)]

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


def _measure(engine: Engine, repeat: int, lookups: int, seed: int) -> list[dict]:
    payloads = engine.fetch(PAYLOADS_SQL.format(until=""))
    epochs = [epoch for epoch, _ in payloads]
    all_rows = engine.rows(ALL_SQL)
    assert all_rows == old_way(payloads), "the mart and the old way disagree"
    n_operators = len({row[1] for row in all_rows})

    def fetch_and_parse_all():
        return old_way(engine.fetch(PAYLOADS_SQL.format(until="")))

    mart_all = median_seconds(lambda: engine.rows(ALL_SQL), repeat * 3)
    old_all = median_seconds(fetch_and_parse_all, repeat)

    rng = random.Random(seed)
    picks = [rng.choice(epochs) for _ in range(lookups)]
    for epoch in picks[:3]:
        assert engine.rows(EPOCH_SQL.format(epoch=epoch)) == old_way(
            engine.fetch(PAYLOADS_SQL.format(until=f"and e.epoch <= {epoch}")), only_epoch=epoch
        )
    lookup_times = []
    for epoch in picks:
        started = time.perf_counter()
        engine.rows(EPOCH_SQL.format(epoch=epoch))
        lookup_times.append(time.perf_counter() - started)
    mart_one = statistics.median(lookup_times)
    old_one_times = []
    for epoch in picks[:repeat]:
        started = time.perf_counter()
        old_way(engine.fetch(PAYLOADS_SQL.format(until=f"and e.epoch <= {epoch}")), only_epoch=epoch)
        old_one_times.append(time.perf_counter() - started)
    old_one = statistics.median(old_one_times)
    single_doc_times = []
    for epoch in picks:
        started = time.perf_counter()
        [(_, payload)] = engine.fetch(
            f"select epoch, payload from raw.epochs where domain_id = 0 and epoch = {epoch} "
            "order by event_seq desc limit 1"
        )
        json.loads(payload)
        single_doc_times.append(time.perf_counter() - started)
    one_doc = statistics.median(single_doc_times)

    shape = f"{len(epochs):,} epochs x {n_operators} operators, {len(all_rows):,} rows"
    return [
        _row(engine.name, "All (every epoch x operator)", shape, mart_all, old_all, TARGET_ALL_MS, TARGET_RATIO),
        _row(engine.name, "single-epoch lookup", f"median of {lookups} epochs", mart_one, old_one, TARGET_LOOKUP_MS),
        {
            "engine": engine.name,
            "query": "single-epoch, old way without forward fill (fetch + parse one document)",
            "rows": "sparse published prices only",
            "mart_ms": None,
            "old_way_ms": round(one_doc * 1000, 3),
            "speedup": round(one_doc / mart_one, 1) if mart_one else None,
            "target": "-",
            "meets_target": None,
        },
    ]


def _row(engine: str, query: str, rows: str, mart: float, old: float, target_ms: float, ratio: float | None = None):
    target = f"<= {target_ms} ms" + (f", >= {ratio}x" if ratio else "")
    meets = mart * 1000 <= target_ms and (ratio is None or old / mart >= ratio)
    return {
        "engine": engine,
        "query": query,
        "rows": rows,
        "mart_ms": round(mart * 1000, 3),
        "old_way_ms": round(old * 1000, 1),
        "speedup": round(old / mart, 1),
        "target": target if engine == "duckdb" else f"({target})",
        "meets_target": meets if engine == "duckdb" else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="standard")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing of the old way (mart: 3x)")
    parser.add_argument("--lookups", type=int, default=50)
    parser.add_argument("--postgres", action="store_true", help="also land, build and query on PostgreSQL")
    parser.add_argument("--no-record", action="store_true", help="print only (smoke runs)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-staking-"))
    rows, setup, engines = [], {}, []
    try:
        data = work / "data"
        started = time.perf_counter()
        generate_world(args.scale, args.seed, data)
        print(f"generated {args.scale} in {time.perf_counter() - started:.1f} s")
        epochs_file = data / "epochs.jsonl"
        engines.append(_duckdb_engine(work))
        if args.postgres:
            engines.append(_postgres_engine())
        for engine in engines:
            setup[engine.name] = _prepare(engine, epochs_file, work)
            timing = setup[engine.name]
            print(f"{engine.name}: landed in {timing['load_s']:.1f} s, built in {timing['build_s']:.1f} s")
            measured = _measure(engine, args.repeat, args.lookups, args.seed)
            for row in measured:
                print(row)
            rows += measured
        size = epochs_file.stat().st_size / 1e6
        notes = (
            f"Scale `{args.scale}` (seed {args.seed}), `epochs.jsonl` {size:.0f} MB. Mart timings: median of "
            f"{args.repeat * 3} runs (All) / {args.lookups} random epochs (lookup), rows fetched into Python over "
            f"one open connection. Old way: the newest payload of every epoch read from `raw.epochs`, `json.loads`, "
            f"exact amount parsing, forward fill in Python (median of {args.repeat}); both return identical rows. "
            "Setup (not timed in the table): "
            + "; ".join(
                f"{name} load {s['load_s']:.1f} s, staking models build {s['build_s']:.1f} s"
                for name, s in setup.items()
            )
            + ". PostgreSQL rows are informational (targets are for DuckDB); its marts carry indexes on "
            "(operator_id, epoch) and (epoch)."
        )
        if not args.no_record:
            path = record("staking", "Staking share prices: marts vs parsing the epoch JSON per request", rows, notes)
            print(f"wrote {path}")
    finally:
        for engine in engines:
            engine.close()
            if engine.target.is_postgres:
                _drop_postgres(engine.target)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
