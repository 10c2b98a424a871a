"""The engine interface the Python steps run against: read new rows as Arrow in `event_seq` order, read the
rows of given keys, write Arrow back atomically.

Two implementations: DuckDB (the connection dbt-duckdb hands a Python model, or any DuckDB connection) and
PostgreSQL (psycopg2, bulk reads and writes with COPY). A relation is whatever the engine understands: a
quoted `"database"."schema"."name"` on both, or a DuckDB relation object on DuckDB (what `dbt.ref` returns in
a dbt-duckdb Python model). A new engine (another warehouse) implements the same six methods.
"""

from __future__ import annotations

import io
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

_KEYS = "__step_keys"
_ROWS = "__step_rows"


@runtime_checkable
class StepEngine(Protocol):
    def exists(self, relation: Any) -> bool: ...

    def high_water_mark(self, relation: Any, column: str = "event_seq", after: int = -1) -> int:
        """The largest value of `column` (an integer mark) in `relation`; -1 when it is empty. Only the rows
        whose `column` is past `after` are read (-1: every row): the history is skipped."""
        ...

    def read_new(self, relation: Any, columns: list[str], after: int, upto: int | None = None) -> pa.Table:
        """Rows with `after` < event_seq (<= `upto`), in event_seq order."""
        ...

    def read_keys(self, relation: Any, columns: list[str], key: str, keys: pa.Array) -> pa.Table:
        """Rows whose `key` column is one of `keys` (any order)."""
        ...

    def replace(
        self, relation: str, data: pa.Table, grants: dict[str, list[str]] | None = None, key: str | None = None
    ) -> None:
        """Atomically makes `relation` a table holding exactly `data` (created, or replaced); `key`: its unique
        key, which later merges look rows up by."""
        ...

    def merge(self, relation: str, data: pa.Table, unique_key: str, grants: dict[str, list[str]] | None = None) -> None:
        """Atomically deletes the rows of `relation` whose `unique_key` is in `data`, then inserts `data` (no
        key: appends)."""
        ...


def in_event_order(table: pa.Table) -> pa.Table:
    """The rows in event_seq order (sorting the integers client-side is far cheaper than sorting the rows with
    their text columns in the engine)."""
    if table.num_rows < 2:
        return table
    order = np.argsort(table["event_seq"].to_numpy(), kind="stable")
    if np.all(order[1:] > order[:-1]):
        return table
    return table.take(order)


def split_relation(relation: str) -> tuple[str | None, str, str]:
    """(database, schema, name) of a quoted or plain dotted relation name."""
    parts = [part.strip().strip('"') for part in relation.split(".")]
    if len(parts) == 2:
        return None, parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise ValueError(f"expected schema.name or database.schema.name, got {relation!r}")


def _quoted(relation: str) -> str:
    return ".".join(f'"{part}"' for part in split_relation(relation) if part is not None)


class DuckDBEngine:
    """The steps on DuckDB: reads push the filter and projection into DuckDB and come back as Arrow."""

    def __init__(self, con):
        self.con = con

    def _relation(self, relation):
        import duckdb

        if isinstance(relation, duckdb.DuckDBPyRelation):
            return relation
        return self.con.sql(f"select * from {relation}")

    def exists(self, relation) -> bool:
        database, schema, name = split_relation(str(relation))
        sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
        args = [schema, name]
        if database:
            sql += " and table_catalog = ?"
            args.append(database)
        return self.con.execute(sql, args).fetchone()[0] > 0

    def high_water_mark(self, relation, column: str = "event_seq", after: int = -1) -> int:
        rows = self._relation(relation)
        if after >= 0:
            rows = rows.filter(f"{column} > {int(after)}")
        return int(rows.aggregate(f"coalesce(max({column}), -1)").fetchone()[0])

    def read_new(self, relation, columns: list[str], after: int, upto: int | None = None) -> pa.Table:
        where = f"event_seq > {int(after)}" + ("" if upto is None else f" and event_seq <= {int(upto)}")
        rows = self._relation(relation).filter(where).project(", ".join(columns)).to_arrow_table()
        return in_event_order(rows)

    def read_keys(self, relation, columns: list[str], key: str, keys: pa.Array) -> pa.Table:
        self.con.register(_KEYS, pa.table({"key": keys}))
        try:
            return (
                self._relation(relation)
                .filter(f"{key} in (select key from {_KEYS})")
                .project(", ".join(columns))
                .to_arrow_table()
            )
        finally:
            self.con.unregister(_KEYS)

    def _write(self, statements: list[str], data: pa.Table) -> None:
        self.con.register(_ROWS, data)
        try:
            self.con.execute("begin transaction")
            try:
                for statement in statements:
                    self.con.execute(statement)
                self.con.execute("commit")
            except BaseException:
                self.con.execute("rollback")
                raise
        finally:
            self.con.unregister(_ROWS)

    def replace(self, relation: str, data: pa.Table, grants=None, key=None) -> None:
        self._write([f"create or replace table {_quoted(relation)} as select * from {_ROWS}"], data)

    def merge(self, relation: str, data: pa.Table, unique_key: str, grants=None) -> None:
        target = _quoted(relation)
        names = ", ".join(data.column_names)
        delete = (
            [f"delete from {target} where {unique_key} in (select {unique_key} from {_ROWS})"] if unique_key else []
        )
        self._write([*delete, f"insert into {target} ({names}) select {names} from {_ROWS}"], data)


# PostgreSQL type OIDs (pg_type) and the Arrow types they are read as; numeric stays text, exact.
_PG_TO_ARROW = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    25: pa.string(),
    1043: pa.string(),
    1042: pa.string(),
    1700: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}


def _pg_type(data_type: pa.DataType) -> str:
    if pa.types.is_boolean(data_type):
        return "boolean"
    if pa.types.is_int64(data_type) or pa.types.is_uint32(data_type):
        return "bigint"
    if pa.types.is_integer(data_type):
        return "integer"
    if pa.types.is_float32(data_type):
        return "real"
    if pa.types.is_floating(data_type):
        return "double precision"
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "text"
    if pa.types.is_decimal(data_type):
        return f"numeric({data_type.precision}, {data_type.scale})"
    if pa.types.is_date(data_type):
        return "date"
    if pa.types.is_timestamp(data_type):
        return "timestamptz" if data_type.tz else "timestamp"
    raise TypeError(f"no PostgreSQL type for Arrow type {data_type}")


def _csv_ready(data: pa.Table) -> pa.Table:
    """Timestamps as ISO text, so COPY reads them without a session-dependent format."""
    columns = [
        pc.strftime(column, format="%Y-%m-%dT%H:%M:%S.%f") if pa.types.is_timestamp(column.type) else column
        for column in data.columns
    ]
    return pa.table(columns, names=data.column_names)


class PostgresEngine:
    """The steps on PostgreSQL over one psycopg2 connection: reads and writes are COPY in CSV form (exact:
    PostgreSQL prints doubles in their shortest round-trip form, Arrow writes them the same way)."""

    def __init__(self, con):
        self.con = con
        self.con.autocommit = True
        with self.con.cursor() as cur:
            cur.execute("set timezone = 'UTC'")
            cur.execute("set extra_float_digits = 1")

    def exists(self, relation) -> bool:
        database, schema, name = split_relation(str(relation))
        with self.con.cursor() as cur:
            cur.execute(
                "select count(*) from information_schema.tables where table_schema = %s and table_name = %s",
                (schema, name),
            )
            return cur.fetchone()[0] > 0

    def high_water_mark(self, relation, column: str = "event_seq", after: int = -1) -> int:
        where = f" where {column} > {int(after)}" if after >= 0 else ""
        with self.con.cursor() as cur:
            cur.execute(f"select coalesce(max({column}), -1) from {_quoted(str(relation))}{where}")
            return int(cur.fetchone()[0])

    def _read(self, sql: str, params: tuple = ()) -> pa.Table:
        with self.con.cursor() as cur:
            query = cur.mogrify(sql, params).decode()
            cur.execute(f"select * from ({query}) as q limit 0")
            names = [column.name for column in cur.description]
            types = [_PG_TO_ARROW.get(column.type_code, pa.string()) for column in cur.description]
            buffer = io.BytesIO()
            cur.copy_expert(f"copy ({query}) to stdout with (format csv, header false)", buffer)
        schema = pa.schema(list(zip(names, types, strict=True)))
        if buffer.tell() == 0:
            return schema.empty_table()
        buffer.seek(0)
        return pacsv.read_csv(
            buffer,
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types=schema,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        ).select(names)

    def read_new(self, relation, columns: list[str], after: int, upto: int | None = None) -> pa.Table:
        where = f"event_seq > {int(after)}" + ("" if upto is None else f" and event_seq <= {int(upto)}")
        return in_event_order(self._read(f"select {', '.join(columns)} from {_quoted(str(relation))} where {where}"))

    def read_keys(self, relation, columns: list[str], key: str, keys: pa.Array) -> pa.Table:
        values = pc.unique(keys.cast(pa.string())).to_pylist()
        return self._read(
            f"select {', '.join(columns)} from {_quoted(str(relation))} where {key} = any(%s::text[])", (values,)
        )

    def _copy_in(self, cur, table: str, data: pa.Table) -> None:
        buffer = io.BytesIO()
        pacsv.write_csv(
            _csv_ready(data),
            buffer,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
        )
        buffer.seek(0)
        cur.copy_expert(f"copy {table} ({', '.join(data.column_names)}) from stdin with (format csv, null '')", buffer)

    @staticmethod
    def _grant_statements(relation: str, grants: dict[str, list[str]] | None) -> list[str]:
        statements = []
        for privilege, grantees in (grants or {}).items():
            for grantee in [grantees] if isinstance(grantees, str) else grantees:
                statements.append(f'grant {privilege} on {relation} to "{grantee}"')
        return statements

    def _transaction(self, work) -> None:
        self.con.autocommit = False
        try:
            with self.con.cursor() as cur:
                work(cur)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        finally:
            self.con.autocommit = True

    def replace(self, relation: str, data: pa.Table, grants=None, key=None) -> None:
        target = _quoted(relation)
        _, schema, name = split_relation(relation)
        columns = ", ".join(f'"{field.name}" {_pg_type(field.type)}' for field in data.schema)

        def work(cur):
            cur.execute(f'create schema if not exists "{schema}"')
            cur.execute(f"drop table if exists {target} cascade")
            cur.execute(f"create table {target} ({columns})")
            self._copy_in(cur, target, data)
            if key:  # merges delete by it, and dbt's tests join on it: an index, not a scan of the history
                cur.execute(f'create unique index "{name}__{key}" on {target} ("{key}")')
            cur.execute(f"analyze {target}")  # a fresh table has no statistics: plans would assume a few rows
            for statement in self._grant_statements(target, grants):
                cur.execute(statement)
            _pause_if_asked()

        self._transaction(work)

    def merge(self, relation: str, data: pa.Table, unique_key: str, grants=None) -> None:
        target = _quoted(relation)
        names = ", ".join(f'"{name}"' for name in data.column_names)

        def work(cur):
            cur.execute(f"create temporary table {_ROWS} (like {target}) on commit drop")
            self._copy_in(cur, _ROWS, data)
            if unique_key:  # else: append
                cur.execute(f"delete from {target} t using {_ROWS} n where t.{unique_key} = n.{unique_key}")
            cur.execute(f"insert into {target} ({names}) select {names} from {_ROWS}")
            cur.execute(f"analyze {target}")
            for statement in self._grant_statements(target, grants):
                cur.execute(statement)
            _pause_if_asked()

        self._transaction(work)


#: Set to `pause-before-commit` to make a step print PAUSED_MARKER to stderr and wait before its commit (the
#: kill test); nothing else reads it.
FAULT_ENV = "WAREHOUSE_STEP_FAULT"
PAUSED_MARKER = "python step written, paused before commit"


def _pause_if_asked() -> None:
    import os
    import sys
    import time

    if os.environ.get(FAULT_ENV) == "pause-before-commit":
        print(PAUSED_MARKER, file=sys.stderr, flush=True)
        time.sleep(3600)


def engine_for(session) -> StepEngine:
    """The engine for what a Python model was given as its session: an engine already, or a DuckDB connection."""
    if isinstance(session, StepEngine):
        return session
    return DuckDBEngine(session)
