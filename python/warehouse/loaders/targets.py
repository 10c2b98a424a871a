"""The warehouse side of a load: one interface, a DuckDB and a PostgreSQL implementation.

Everything but the bulk write and the lock is portable SQL run through `execute`/`fetch`.
"""

from __future__ import annotations

import io
import tempfile
from typing import Protocol

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from warehouse.loaders import pg_binary
from warehouse.loaders.batch import STREAM_ROWS
from warehouse.loaders.contracts import Contract, contracts, ddl
from warehouse.loaders.tabular import WORK_DATABASE, spill_directory, use_load_session, work_connection
from warehouse.settings import Target

#: Rows to insert: a table, or a stream of Arrow batches (then `rows` says how many it holds).
Rows = pa.Table | pa.RecordBatchReader


class Warehouse(Protocol):
    def execute(self, sql: str) -> None: ...
    def fetch(self, sql: str) -> list[tuple]: ...
    def fetch_into(self, work: duckdb.DuckDBPyConnection, name: str, sql: str, columns: dict[str, str]) -> None: ...
    def bulk_insert(self, table: str, data: Rows, rows: int | None = None) -> None: ...
    def insert_prepared(self, table: str, rows, run_id: str, loaded_at) -> None: ...
    def analyze(self, table: str) -> None: ...
    def work_connection(self) -> duckdb.DuckDBPyConnection: ...
    def lock(self) -> None: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


def index_statements(contract: Contract) -> list[str]:
    """Indexes that keep the duplicate check and event_seq lookups cheap (PostgreSQL only)."""
    statements = []
    if contract.key:
        statements.append(
            f"create index if not exists {contract.table}_key_idx on raw.{contract.table} ({', '.join(contract.key)})"
        )
    if contract.has_event_seq:
        statements.append(
            f"create index if not exists {contract.table}_event_seq_idx on raw.{contract.table} (event_seq)"
        )
    return statements


class DuckDBWarehouse:
    def __init__(self, target: Target):
        assert target.duckdb_path is not None
        target.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(target.duckdb_path))
        use_load_session(self.con)

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def fetch(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def fetch_into(self, work: duckdb.DuckDBPyConnection, name: str, sql: str, columns: dict[str, str]) -> None:
        """The result of `sql` (with these columns) as table `name` of the load's work database, streamed."""
        work.register("fetched_rows", self.con.execute(sql).to_arrow_reader(STREAM_ROWS))
        try:
            work.execute(f"create or replace table {name} as select {', '.join(columns)} from fetched_rows")
        finally:
            work.unregister("fetched_rows")

    def insert_prepared(self, table: str, rows, run_id: str, loaded_at) -> None:
        """A load's new rows (`write.PreparedRows`), inserted straight from the work database, which lives in this
        warehouse's own instance (`work_connection`): no row leaves DuckDB."""
        for select in rows.selects(run_id, loaded_at, catalog=WORK_DATABASE):
            self.con.execute(f"insert into {table} ({', '.join(rows.names)}) {select}")

    def bulk_insert(self, table: str, data: Rows, rows: int | None = None) -> None:
        self.con.register("bulk_rows", data)
        try:
            names = ", ".join(data.schema.names)
            self.con.execute(f"insert into {table} ({names}) select {names} from bulk_rows")
        finally:
            self.con.unregister("bulk_rows")

    def work_connection(self) -> duckdb.DuckDBPyConnection:
        return work_connection(self.con)

    def analyze(self, table: str) -> None:
        """Nothing to do: DuckDB keeps its statistics as it writes."""

    def lock(self) -> None:
        """Nothing to do: a DuckDB file has a single writing process."""

    def begin(self) -> None:
        self.con.execute("begin transaction")

    def commit(self) -> None:
        self.con.execute("commit")

    def rollback(self) -> None:
        self.con.execute("rollback")

    def close(self) -> None:
        try:
            self.con.execute(f"detach database if exists {WORK_DATABASE}")
        except duckdb.Error:
            pass  # a database a failure invalidated: closing it is all there is left to do
        self.con.close()

    def ensure_raw_schema(self) -> None:
        self.con.execute("create schema if not exists raw")
        for contract in contracts().values():
            self.con.execute(ddl(contract))


#: The batch size from which `PostgresWarehouse.bulk_insert` may build a table's indexes after the rows
#: rather than while inserting them (a million-row batch: about a third of the COPY's time).
REBUILD_INDEXES_FROM_ROWS = 100_000


class PostgresWarehouse:
    def __init__(self, target: Target):
        import psycopg2

        ensure_database(target)
        self.con = psycopg2.connect(target.pg_dsn())
        self.con.autocommit = True
        self.cur = self.con.cursor()
        self.cur.execute("set timezone = 'UTC'")
        # the load sorts and hash-joins whole batches (event_seq order, duplicates, the sequence join): in
        # memory rather than in temporary files; indexes rebuilt after a large batch sort in memory too
        self.cur.execute("set work_mem = '256MB'")
        self.cur.execute("set maintenance_work_mem = '512MB'")

    def execute(self, sql: str) -> None:
        self.cur.execute(sql)

    def fetch(self, sql: str) -> list[tuple]:
        self.cur.execute(sql)
        return self.cur.fetchall()

    def fetch_into(self, work: duckdb.DuckDBPyConnection, name: str, sql: str, columns: dict[str, str]) -> None:
        """The result of `sql` (with these columns) as table `name` of the load's work database, through a CSV
        file in the spill folder (never all in Python)."""
        with tempfile.NamedTemporaryFile(suffix=".csv", dir=spill_directory()) as file:
            self.cur.copy_expert(f"copy ({sql}) to stdout with (format csv)", file)
            file.flush()
            types = ", ".join(f"'{column}': '{kind}'" for column, kind in columns.items())
            work.execute(
                f"create or replace table {name} as"
                f" select * from read_csv(?, auto_detect = false, header = false, columns = {{{types}}})",
                [file.name],
            )

    def insert_prepared(self, table: str, rows, run_id: str, loaded_at) -> None:
        """A load's new rows (`write.PreparedRows`), streamed from the work database by `bulk_insert`."""
        self.bulk_insert(table, rows.stream(run_id, loaded_at), rows=rows.num_rows)

    def bulk_insert(self, table: str, data: Rows, rows: int | None = None) -> None:
        """COPY in binary form when every column's Arrow type is what its table column receives
        (`pg_binary.py`), else in CSV form: nulls are unquoted empty fields, strings are always quoted. A stream
        of batches is one COPY per batch.

        A large batch into a table holding fewer rows than it (a first load, a backfill) is copied with the
        table's indexes dropped and built again after it, inside the load's transaction
        (`_indexes_to_rebuild`).
        """
        rebuilt = self._indexes_to_rebuild(table, data.num_rows if rows is None else rows)
        for name, _ in rebuilt:
            self.cur.execute(f"drop index {name}")
        if isinstance(data, pa.Table):
            self._copy(table, data)
        else:
            for batch in data:
                self._copy(table, pa.Table.from_batches([batch]))
        for _, definition in rebuilt:
            self.cur.execute(definition)

    def _indexes_to_rebuild(self, table: str, rows: int) -> list[tuple[str, str]]:
        """[(qualified index name, its definition)] of the table when building them once from the copied rows
        is cheaper than inserting every row into them: at least REBUILD_INDEXES_FROM_ROWS rows, into a table
        holding fewer (counted up to the batch's size), inside a transaction (so a failed load keeps them).
        Indexes that back a constraint stay. Dropping an index locks the table against readers until the load
        commits; writers are one at a time anyway (`locking.py`)."""
        import psycopg2.extensions

        in_transaction = self.con.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
        if rows < REBUILD_INDEXES_FROM_ROWS or not in_transaction:
            return []
        self.cur.execute(
            "select format('%%I.%%I', n.nspname, i.relname), pg_get_indexdef(i.oid)"
            " from pg_index x join pg_class i on i.oid = x.indexrelid join pg_namespace n on n.oid = i.relnamespace"
            " where x.indrelid = %s::regclass"
            " and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)",
            [table],
        )
        indexes = self.cur.fetchall()
        if not indexes:
            return []
        self.cur.execute(f"select count(*) from (select from {table} limit {int(rows)}) present")
        return indexes if self.cur.fetchone()[0] < rows else []

    def _copy(self, table: str, data: pa.Table) -> None:
        names = ", ".join(data.column_names)
        if pg_binary.encodable(data.schema, self._column_types(table)):
            stream = pg_binary.CopyStream(data)
            self.cur.copy_expert(f"copy {table} ({names}) from stdin with (format binary)", stream)
            return
        buffer = io.BytesIO()
        options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
        pacsv.write_csv(_for_copy(data), buffer, write_options=options)
        buffer.seek(0)
        self.cur.copy_expert(f"copy {table} ({names}) from stdin with (format csv, null '')", buffer)

    def _column_types(self, table: str) -> dict[str, str]:
        """{column: type as `format_type` names it} of a table (temporary tables included)."""
        return dict(pg_columns(self.cur, table))

    def work_connection(self) -> duckdb.DuckDBPyConnection:
        return work_connection()

    def analyze(self, table: str) -> None:
        """Statistics for a staged temporary table (autovacuum never sees them), so that the lookup of its
        keys in raw gets a plan sized for the batch."""
        self.cur.execute(f"analyze {table}")

    def lock(self) -> None:
        """One load at a time: a second concurrent load waits here until this session ends."""
        self.cur.execute("select pg_advisory_lock(hashtext('warehouse.load'))")

    def begin(self) -> None:
        self.cur.execute("begin")

    def commit(self) -> None:
        self.cur.execute("commit")

    def rollback(self) -> None:
        self.cur.execute("rollback")

    def close(self) -> None:
        self.con.close()

    def ensure_raw_schema(self) -> None:
        self.cur.execute("create schema if not exists raw")
        for contract in contracts().values():
            self.cur.execute(ddl(contract))
            for statement in index_statements(contract):
                self.cur.execute(statement)


def _for_copy(data: pa.Table) -> pa.Table:
    """Timestamps as ISO text (`YYYY-MM-DD HH:MM:SS.ffffff`) so that COPY reads them without a
    session-dependent format; Arrow's cast to text is an order of magnitude faster than `strftime`."""
    columns = [
        pa.compute.cast(column, pa.string()) if pa.types.is_timestamp(column.type) else column
        for column in data.columns
    ]
    return pa.table(columns, names=data.column_names)


def pg_columns(cursor, relation: str) -> list[tuple[str, str]]:
    """[(column, type as `format_type` names it)] of a PostgreSQL relation, in column order; [] when it does not
    exist. `relation` is resolved as SQL names it (quoted parts, the search path, temporary tables)."""
    cursor.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute"
        " where attrelid = to_regclass(%s) and attnum > 0 and not attisdropped order by attnum",
        [relation],
    )
    return cursor.fetchall()


def ensure_database(target: Target) -> None:
    """Creates the target database on the server if it does not exist yet."""
    import psycopg2

    try:
        psycopg2.connect(target.pg_dsn()).close()
        return
    except psycopg2.OperationalError as error:
        if "does not exist" not in str(error):
            raise
    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{target.pg_database}"')
    admin.close()


def open_warehouse(target: Target) -> DuckDBWarehouse | PostgresWarehouse:
    return PostgresWarehouse(target) if target.is_postgres else DuckDBWarehouse(target)
