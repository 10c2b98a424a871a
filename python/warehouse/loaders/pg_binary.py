"""Arrow tables as PostgreSQL binary `COPY` data (`COPY ... FROM STDIN WITH (FORMAT binary)`).

The server takes binary values as they are instead of parsing text (timestamps above all), which makes
landing a large batch markedly cheaper than CSV. The data is encoded with Arrow kernels, one slice of
rows at a time, so the server stores a slice while the next one is encoded (two processes, two cores).

Only columns whose Arrow type is exactly what the table's column receives are encoded (`encodable`);
anything else goes the CSV way (`targets.PostgresWarehouse.bulk_insert`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
NULL = pa.scalar(b"\xff\xff\xff\xff", pa.binary())  # field length -1
EMPTY = pa.scalar(b"", pa.binary())
#: 2000-01-01, PostgreSQL's timestamp origin, in microseconds since 1970-01-01
PG_EPOCH_US = 946_684_800_000_000
#: Rows encoded at a time: a slice stays far below Arrow's 2 GB binary limit and the server starts early.
SLICE_ROWS = 65_536

#: PostgreSQL column type (as `format_type` names it) -> the Arrow types it receives in binary form.
RECEIVES: dict[str, Callable[[pa.DataType], bool]] = {
    "character varying": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "bigint": lambda t: t == pa.int64(),
    "integer": lambda t: t == pa.int32(),
    "double precision": lambda t: t == pa.float64(),
    "timestamp without time zone": lambda t: t == pa.timestamp("us"),
}


def encodable(schema: pa.Schema, column_types: dict[str, str]) -> bool:
    """True when every column goes into a table column of a type it is encoded for."""
    return all(
        field.name in column_types
        and column_types[field.name] in RECEIVES
        and RECEIVES[column_types[field.name]](field.type)
        for field in schema
    )


class CopyStream:
    """The binary COPY data of a table as a file object for psycopg2's `copy_expert`, which sends whatever
    each `read` returns (an empty result ends it): the header, one encoded slice per read, the trailer."""

    def __init__(self, data: pa.Table):
        self._parts = _parts(data)

    def read(self, size: int = -1) -> bytes:
        return next(self._parts, b"")


def _parts(data: pa.Table) -> Iterator[bytes]:
    yield HEADER
    for start in range(0, data.num_rows, SLICE_ROWS):
        yield _encode(data.slice(start, SLICE_ROWS))
    yield TRAILER


def _encode(rows: pa.Table) -> bytes:
    """Each row: its field count (int16), then every field as its length (int32, -1 for null) and value."""
    count = np.full(rows.num_rows, rows.num_columns, dtype=">i2")
    fields = [_as_binary(count)] + [_field(column.combine_chunks()) for column in rows.columns]
    joined = pc.binary_join_element_wise(*fields, EMPTY)
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)
    start, end = int(offsets[joined.offset]), int(offsets[joined.offset + len(joined)])
    return joined.buffers()[2].slice(start, end - start).to_pybytes()


def _field(column: pa.Array) -> pa.Array:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = column.cast(pa.binary())
        lengths = pc.fill_null(pc.binary_length(values), 0).to_numpy().astype(">i4")
        encoded = pc.binary_join_element_wise(_as_binary(lengths), values, EMPTY)
    elif pa.types.is_timestamp(kind):
        micros = pc.fill_null(column.cast(pa.int64()), 0).to_numpy()
        encoded = _prefixed((micros - PG_EPOCH_US).astype(">i8"))
    else:
        big_endian = {pa.int64(): ">i8", pa.int32(): ">i4", pa.float64(): ">f8"}[kind]
        encoded = _prefixed(pc.fill_null(column, 0).to_numpy().astype(big_endian))
    if column.null_count:
        encoded = pc.if_else(pc.is_valid(column), encoded, NULL)
    return encoded


def _prefixed(values: np.ndarray) -> pa.Array:
    """Fixed-width big-endian values, each after its length."""
    packed = np.empty(len(values), dtype=[("length", ">i4"), ("value", values.dtype)])
    packed["length"] = values.dtype.itemsize
    packed["value"] = values
    return _as_binary(packed)


def _as_binary(values: np.ndarray) -> pa.Array:
    """The bytes of each element of a (packed) numpy array, as an Arrow binary array."""
    width = values.dtype.itemsize
    fixed = pa.Array.from_buffers(pa.binary(width), len(values), [None, pa.py_buffer(values.tobytes())])
    return fixed.cast(pa.binary())
