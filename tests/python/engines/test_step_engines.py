"""The engine interface the Python steps run against, on DuckDB and on PostgreSQL: new rows come back in
event_seq order, doubles and text exactly; replace and merge are atomic and exact."""

from __future__ import annotations

import duckdb
import numpy as np
import psycopg2
import pyarrow as pa
import pytest

from warehouse.loaders.targets import ensure_database
from warehouse.python_steps.engine import DuckDBEngine, PostgresEngine


@pytest.fixture
def engine(target):
    if target.is_postgres:
        ensure_database(target)
        con = psycopg2.connect(target.pg_dsn())
        yield PostgresEngine(con), f'"{target.pg_database}"."steps"."t"'
        con.close()
    else:
        con = duckdb.connect(str(target.duckdb_path))
        con.execute("create schema steps")
        yield DuckDBEngine(con), '"warehouse"."steps"."t"'
        con.close()


def _rows(n: int, start: int = 0, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    seq = np.arange(start, start + n, dtype=np.int64)
    rng.shuffle(seq)
    return pa.table(
        {
            "event_seq": seq,
            "value": rng.standard_normal(n) * 10.0 ** rng.integers(-12, 12, n),
            "user_id": [f'u_{i % 7}, "quoted"\n{i}' if i % 3 else "" for i in range(n)],
            "flag": [i % 2 == 0 for i in range(n)],
        }
    )


def test_replace_then_read_back_in_event_order_exactly(engine):
    engine, relation = engine
    data = _rows(5_000)
    engine.replace(relation, data, key="event_seq")
    assert engine.exists(relation) and engine.high_water_mark(relation) == 4_999
    assert (
        engine.high_water_mark(relation, after=4_000) == 4_999 and engine.high_water_mark(relation, after=4_999) == -1
    )
    back = engine.read_new(relation, ["event_seq", "value", "user_id", "flag"], after=-1)
    order = np.argsort(data["event_seq"].to_numpy())
    assert back["event_seq"].to_pylist() == list(range(5_000))
    assert back["value"].to_pylist() == data["value"].to_numpy()[order].tolist()  # bit for bit
    assert back["user_id"].to_pylist() == data.take(order)["user_id"].to_pylist()  # '' stays '', not null
    assert back["flag"].to_pylist() == data.take(order)["flag"].to_pylist()
    window = engine.read_new(relation, ["event_seq"], after=10, upto=20)["event_seq"].to_pylist()
    assert window == list(range(11, 21))
    keyed = engine.read_keys(relation, ["user_id", "event_seq"], "user_id", pa.array(["", "nobody"]))
    assert keyed.num_rows == sum(1 for i in range(5_000) if i % 3 == 0)


def test_merge_replaces_rows_by_key_and_a_failed_write_changes_nothing(engine):
    engine, relation = engine
    engine.replace(relation, _rows(100), key="event_seq")
    update = _rows(20, start=90, seed=2)  # 10 rows replaced, 10 new
    engine.merge(relation, update, "event_seq")
    back = engine.read_new(relation, ["event_seq", "value"], after=-1)
    assert back["event_seq"].to_pylist() == list(range(110))
    assert back["value"].to_pylist()[90:] == update.sort_by("event_seq")["value"].to_pylist()
    bad = update.set_column(0, "event_seq", pa.array(["x"] * 20))  # text into a bigint key: the write fails
    with pytest.raises((psycopg2.Error, duckdb.Error)):
        engine.merge(relation, bad, "event_seq")
    assert engine.read_new(relation, ["event_seq", "value"], after=-1).equals(back)
