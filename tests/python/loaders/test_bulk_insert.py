"""PostgreSQL bulk writes: binary COPY lands every value exactly as CSV COPY would."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest

from warehouse.loaders import pg_binary
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
