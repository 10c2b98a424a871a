"""PostgreSQL bulk writes: binary COPY lands every value exactly as CSV COPY would."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from warehouse.loaders import pg_binary, targets
from warehouse.loaders.targets import PostgresWarehouse

pytestmark = pytest.mark.postgres

COLUMNS = "name varchar, note text, big bigint, small integer, ratio double precision, at timestamp"
ROWS = [
    ("a", "plain", 1, 1, 0.5, datetime(2026, 1, 1, 0, 4, 31, 783000)),
    ("é ü 漢字 🎉", None, -(2**62), -(2**31), -1.0e300, datetime(1999, 12, 31, 23, 59, 59, 999999)),
    (None, "", None, None, None, None),
    ("'quoted, \"comma\"'\n\tline", "x" * 5000, 2**63 - 1, 2**31 - 1, 1 / 3, datetime(2000, 1, 1)),
    ("", "last", 0, 0, 0.0, datetime(2015, 1, 1, 0, 0, 0, 1)),
]


def _arrow(string_type: pa.DataType = pa.string(), small: pa.DataType = pa.int32()) -> pa.Table:
    names = ["name", "note", "big", "small", "ratio", "at"]
    types = [string_type, string_type, pa.int64(), small, pa.float64(), pa.timestamp("us")]
    return pa.table({n: pa.array([r[i] for r in ROWS], t) for i, (n, t) in enumerate(zip(names, types, strict=True))})


def _landed(warehouse: PostgresWarehouse) -> list[tuple]:
    return warehouse.fetch("select name, note, big, small, ratio, at from bulk order by big nulls first, name")


def _expected() -> list[tuple]:
    return sorted(ROWS, key=lambda r: (r[2] is not None, r[2] or 0, r[0] or ""))


@pytest.mark.parametrize("string_type", [pa.string(), pa.large_string()])
def test_binary_copy_lands_every_type_null_and_character_in_slices(postgres_target, monkeypatch, string_type):
    monkeypatch.setattr(pg_binary, "SLICE_ROWS", 2)
    warehouse = PostgresWarehouse(postgres_target)
    try:
        warehouse.execute(f"create temporary table bulk ({COLUMNS})")
        data = _arrow(string_type)
        assert pg_binary.encodable(data.schema, warehouse._column_types("bulk"))
        warehouse.bulk_insert("bulk", data)
        assert _landed(warehouse) == _expected()
    finally:
        warehouse.close()


def test_a_column_of_another_type_goes_the_csv_way(postgres_target):
    warehouse = PostgresWarehouse(postgres_target)
    try:
        warehouse.execute(f"create temporary table bulk ({COLUMNS})")
        data = _arrow(small=pa.int64())  # int64 into an integer column: not encoded, converted by COPY
        assert not pg_binary.encodable(data.schema, warehouse._column_types("bulk"))
        warehouse.bulk_insert("bulk", data)
        assert _landed(warehouse) == _expected()
    finally:
        warehouse.close()


def _indexes(warehouse: PostgresWarehouse) -> dict[str, tuple[int, str]]:
    """{index name: (oid, definition)} of table `bulk`: a rebuilt index has a new oid."""
    rows = warehouse.fetch(
        "select i.relname, i.oid, pg_get_indexdef(i.oid) from pg_index x join pg_class i on i.oid = x.indexrelid"
        " where x.indrelid = 'bulk'::regclass"
    )
    return {name: (int(oid), definition) for name, oid, definition in rows}


def test_a_large_batch_into_a_smaller_table_rebuilds_its_indexes_inside_the_transaction(postgres_target, monkeypatch):
    monkeypatch.setattr(targets, "REBUILD_INDEXES_FROM_ROWS", 2)
    batch = _arrow().filter(pa.array([r[2] is not None for r in ROWS]))  # 4 rows with a key
    warehouse = PostgresWarehouse(postgres_target)
    try:
        warehouse.execute(f"create temporary table bulk ({COLUMNS}, primary key (big))")
        warehouse.execute("create index bulk_name_idx on bulk (name)")
        warehouse.execute("create index bulk_at_idx on bulk (at, small)")
        before = _indexes(warehouse)

        # outside a transaction nothing is dropped: a failure could not bring the indexes back
        warehouse.execute("delete from bulk")
        warehouse.bulk_insert("bulk", batch)
        assert _indexes(warehouse) == before
        warehouse.execute("delete from bulk")

        # a failed load keeps the indexes as they were
        warehouse.begin()
        warehouse.bulk_insert("bulk", batch)
        assert _indexes(warehouse)["bulk_name_idx"][0] != before["bulk_name_idx"][0]
        warehouse.rollback()
        assert _indexes(warehouse) == before

        # into an empty table: the same indexes, built after the rows (the primary key's stays)
        warehouse.begin()
        warehouse.bulk_insert("bulk", batch)
        warehouse.commit()
        after = _indexes(warehouse)
        assert {n: d for n, (_, d) in after.items()} == {n: d for n, (_, d) in before.items()}
        assert after["bulk_pkey"][0] == before["bulk_pkey"][0]
        assert after["bulk_name_idx"][0] != before["bulk_name_idx"][0]
        assert after["bulk_at_idx"][0] != before["bulk_at_idx"][0]
        assert warehouse.fetch("set enable_seqscan = off; select count(*) from bulk where name = 'a'") == [(1,)]

        # into a table already holding as many rows as the batch: the indexes take the rows as they come
        kept = _indexes(warehouse)
        warehouse.begin()
        warehouse.bulk_insert("bulk", batch.set_column(2, "big", pc.subtract(batch["big"].combine_chunks(), 10)))
        warehouse.commit()
        assert _indexes(warehouse) == kept
    finally:
        warehouse.close()
