"""Write, audit, publish: what analysts read changes only after a build whose dbt tests and error-level
expectations passed, and all at once.

DuckDB — builds work in the build file (WAREHOUSE_DUCKDB_PATH). `publish` copies the `marts`, `ops` and
`snapshots` schemas (every model under models/marts/ and every snapshot, as named in the dbt manifest) into a
new file beside the analysts' file (WAREHOUSE_MARTS_PATH, default `marts.duckdb` beside the build file), as
plain tables — views become tables, so nothing in the file is bound to a catalog name and it works under any
name — with the dbt descriptions as table and column comments, then renames it over the old file. A reader
sees the previous publication or the new one, never half of one, and never waits for a build: a connection
opened before the rename keeps reading the file it opened. A scheduled build (`stage(..., incremental=True)`)
starts the new file as a copy of the published one instead: every table is copied again, except a mart whose
config names `meta.publication_partition` (the staking marts: domain and epoch; the incremental marts: what one
run recomputes or appends together, e.g. a conversation) and whose columns did not change, which keeps its parts
whose rows are the same in the build and replaces only the others (`_replace_changed_parts`). A full audit
writes a new file from nothing, which also drops the space that replaced rows leave behind.

`publish` is `stage` (copy where no analyst reads) then `commit` (record the audit, swap in); a scheduled
build stages while its audit runs in the worker process and commits only when the audit passed, else
discards what it staged (warehouse.build.audit_and_publish).

PostgreSQL — dbt builds `marts`, `ops` and `snapshots` in the build database (PGDATABASE) under the names of
the dbt manifest, so everything that resolves relations from the manifest (the Python steps, the tests, the
suites) is unchanged. Analysts read the publication database (WAREHOUSE_PG_MARTS_DATABASE, default
`<PGDATABASE>_marts`) whose schemas carry the same names. `publish` streams every table into
`<schema>__next` schemas there (COPY), then in one transaction drops the published schemas and renames the new
ones into place: an analyst's query sees the previous publication or the new one. A build whose audit fails
never calls `publish`, so the publication database keeps the previous marts.

The build of a selection (`--select`, the `community_scoring` job) publishes what it built: its tables are
refreshed from the build and every other table keeps its published version (DuckDB: the new file starts as a
copy of the published one; PostgreSQL: copied within the publication database). Its audit covered exactly
those tables (warehouse.quality.run_quality's `scope`), and the others passed the audit of their own
publication. A table outside the scope that was never published stays unpublished until a whole build.

Each publication records itself in `ops.publication` of the published side: when, from which dbt
invocation, how many tables, and the audit's summary. `warehouse status` reads it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from warehouse.settings import Target

PUBLISHED_SCHEMAS = ("marts", "ops", "snapshots")
#: DuckDB: how many tables a publication copies at once.
PUBLISH_COPIES = 2
PUBLICATION_TABLE = "publication"


@dataclass
class PublishedTable:
    schema: str
    name: str
    description: str
    columns: dict[str, str]  # column -> description
    #: columns whose values split the table into parts a build replaces whole (`meta.publication_partition`):
    #: a scheduled build republishes only the parts that changed (stage's `incremental`)
    partition: list[str] = field(default_factory=list)


@dataclass
class PublishResult:
    published_at: str
    location: str  # the analysts' file, or postgres://…/<database>
    tables: list[str]
    invocation_id: str | None
    seconds: float


def marts_path(target: Target) -> Path:
    """The analysts' DuckDB file: $WAREHOUSE_MARTS_PATH, else `marts.duckdb` beside the build file."""
    configured = os.environ.get("WAREHOUSE_MARTS_PATH")
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else target.duckdb_path.parent / path
    return target.duckdb_path.with_name("marts.duckdb")


def marts_database(target: Target) -> str:
    """The analysts' PostgreSQL database: $WAREHOUSE_PG_MARTS_DATABASE, else `<build database>_marts`."""
    return os.environ.get("WAREHOUSE_PG_MARTS_DATABASE") or f"{target.pg_database}_marts"


def published_tables(manifest: dict) -> list[PublishedTable]:
    """Every model under models/marts/ and every snapshot, with its dbt descriptions."""
    tables = []
    for node in manifest["nodes"].values():
        is_mart = node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]
        if not (is_mart or node["resource_type"] == "snapshot"):
            continue
        if node["schema"] not in PUBLISHED_SCHEMAS:
            continue
        columns = {name: column.get("description") or "" for name, column in node.get("columns", {}).items()}
        partition = list(node.get("config", {}).get("meta", {}).get("publication_partition") or [])
        name = node.get("alias") or node["name"]
        tables.append(PublishedTable(node["schema"], name, node["description"], columns, partition))
    return sorted(tables, key=lambda t: (t.schema, t.name))


def _manifest(target: Target) -> dict:
    from warehouse.quality.runner import manifest_path

    return json.loads(manifest_path(target).read_text())


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def publish(target: Target, audit: dict | None = None, scope: set[str] | None = None) -> PublishResult:
    """Publish the audited marts, ops and snapshots for analysts (call only after a passing audit). `scope`
    (relations, `schema.name`): refresh only these tables, keep the others as published (module docstring)."""
    return stage(target, scope).commit(audit)


def stage(target: Target, scope: set[str] | None = None, incremental: bool = False) -> StagedPublication:
    """The first half of `publish`: the tables copied where no analyst reads them (DuckDB: a hidden file beside
    the analysts' file; PostgreSQL: the `__next` schemas). A scheduled build stages while its audit runs
    (warehouse.build.audit_and_publish), then commits only if the audit passed and discards otherwise."""
    started = time.perf_counter()
    manifest = _manifest(target)
    tables = published_tables(manifest)
    if target.is_postgres:
        staged = _StagedPostgres(target, manifest, started)
    else:
        staged = _StagedDuckdb(target, manifest, started)
    staged.copy(tables, scope, incremental)
    return staged


class StagedPublication(ABC):
    """Tables copied for a publication that analysts do not see yet: `commit` records the audit and swaps them
    in, all at once; `discard` removes them and leaves the previous publication in place."""

    def __init__(self, target: Target, manifest: dict, started: float) -> None:
        self.target = target
        self.invocation_id = manifest.get("metadata", {}).get("invocation_id")
        self.started = started
        self.names: list[str] = []

    @abstractmethod
    def copy(self, tables: list[PublishedTable], scope: set[str] | None, incremental: bool = False) -> None:
        """Copies the tables (`scope`: only these, the others as published) where analysts do not read yet;
        `incremental` (DuckDB): a table with a `partition` only in the parts that changed since published."""

    def commit(self, audit: dict | None) -> PublishResult:
        published_at = datetime.now(timezone.utc).replace(tzinfo=None)
        record = {
            "published_at": published_at,
            "invocation_id": self.invocation_id,
            "n_tables": len(self.names),
            "audit": json.dumps(audit or {}),
        }
        location = self._swap(record)
        return PublishResult(
            published_at.isoformat(timespec="seconds"),
            location,
            self.names,
            self.invocation_id,
            time.perf_counter() - self.started,
        )

    @abstractmethod
    def _swap(self, record: dict) -> str:
        """Records the publication and puts it in place of the previous one; returns where analysts read it."""

    @abstractmethod
    def discard(self) -> None:
        """Removes what was staged."""


class _StagedDuckdb(StagedPublication):
    def __init__(self, target: Target, manifest: dict, started: float) -> None:
        super().__init__(target, manifest, started)
        self.final = marts_path(target)
        self.path = self.final.with_name(f".{self.final.name}.{os.getpid()}.publishing")

    def copy(self, tables: list[PublishedTable], scope: set[str] | None, incremental: bool = False) -> None:
        final, staged, names, target = self.final, self.path, self.names, self.target
        final.parent.mkdir(parents=True, exist_ok=True)
        self.discard()  # a leftover of a build that was stopped
        if (scope is not None or incremental) and final.exists():
            shutil.copyfile(final, staged)  # the tables outside the scope, or the parts unchanged, stay as published
        # the new file attached under a name no schema has: the build's views name their relations without a
        # catalog (`marts.x`), which a catalog called like a schema ("marts", the new file's) would make ambiguous
        with self._connection() as connection:
            connection.execute(f"attach {_quote(str(staged))} as publication")
            new = "publication"
            # attached under its own catalog name (the file's stem), which dbt's views in it refer to
            build = _ident(target.duckdb_path.stem)
            connection.execute(f"attach {_quote(str(target.duckdb_path))} as {build} (read_only)")
            schemas = ", ".join(_quote(schema) for schema in PUBLISHED_SCHEMAS)
            built_columns, published_columns = (
                _columns(connection, catalog, schemas) for catalog in (target.duckdb_path.stem, new)
            )
            copied = []
            for table in tables:
                key = (table.schema, table.name)
                if scope is not None and f"{table.schema}.{table.name}" not in scope:
                    if key in published_columns:
                        names.append(f"{table.schema}.{table.name}")
                    continue
                if key not in built_columns:
                    continue  # not built in this warehouse (e.g. a model left out by --select)
                copied.append(table)
                names.append(f"{table.schema}.{table.name}")
            # a table published in parts keeps the parts that did not change, when its columns did not either
            in_parts = {
                (table.schema, table.name)
                for table in copied
                if incremental
                and table.partition
                # in order: the parts are inserted by position
                and list(published_columns.get((table.schema, table.name), {}).items())
                == list(built_columns[(table.schema, table.name)].items())
            }
            whole = [table for table in copied if (table.schema, table.name) not in in_parts]

            def relation(catalog: str, table: PublishedTable) -> str:
                return f"{catalog}.{_ident(table.schema)}.{_ident(table.name)}"

            # the tables empty first, with their descriptions: DuckDB comments an empty table at once, a filled one
            # in milliseconds per column; hundreds of statements in one transaction (one commit) and one call
            statements = [f"create schema if not exists {new}.{_ident(schema)}" for schema in PUBLISHED_SCHEMAS]
            if incremental:  # what the project no longer publishes
                kept = {(table.schema, table.name) for table in copied} | {("ops", PUBLICATION_TABLE)}
                for schema, name in sorted(published_columns.keys() - kept):
                    statements.append(f"drop table {new}.{_ident(schema)}.{_ident(name)}")
            for table in whole:
                staged_table = relation(new, table)
                statements.append(f"create or replace table {staged_table} as from {relation(build, table)} limit 0")
                statements.append(f"comment on table {staged_table} is {_quote(table.description)}")
                for column, description in table.columns.items():
                    if column in built_columns[(table.schema, table.name)] and description:
                        statements.append(f"comment on column {staged_table}.{_ident(column)} is {_quote(description)}")
            connection.execute("; ".join(["begin", *statements, "commit"]))

            def fill(table: PublishedTable) -> None:
                cursor = connection.cursor()  # one per thread: DuckDB runs the copies side by side
                try:
                    if (table.schema, table.name) in in_parts:
                        _replace_changed_parts(cursor, relation(build, table), relation(new, table), table.partition)
                    else:
                        cursor.execute(f"insert into {relation(new, table)} from {relation(build, table)}")
                finally:
                    cursor.close()

            # most marts are smaller than what DuckDB splits one copy over its threads: two copies at once, the
            # largest tables first, so that no long copy starts last
            sizes = dict(
                ((schema, name), size)
                for schema, name, size in connection.execute(
                    "select schema_name, table_name, estimated_size from duckdb_tables() "
                    f"where database_name = {_quote(target.duckdb_path.stem)}"
                ).fetchall()
            )
            copied.sort(key=lambda table: sizes.get((table.schema, table.name), 0), reverse=True)
            with ThreadPoolExecutor(max_workers=PUBLISH_COPIES) as copies:
                list(copies.map(fill, copied))
            connection.execute(f"detach {build}")
            connection.execute("checkpoint publication")

    def _swap(self, record: dict) -> str:
        with self._connection() as connection:
            connection.execute(f"attach {_quote(str(self.path))} as publication")
            _record_publication(connection, f"publication.ops.{PUBLICATION_TABLE}", record)
            connection.execute("checkpoint publication")
            connection.execute("detach publication")
        os.replace(self.path, self.final)  # atomic on one file system: readers see the old file or the new one
        return str(self.final)

    @contextmanager
    def _connection(self):
        """An in-memory DuckDB connection to work on the staged file: closed on leaving; on an error, what was
        staged is removed too."""
        import duckdb

        connection = duckdb.connect()
        try:
            yield connection
        except BaseException:
            connection.close()
            self.discard()
            raise
        connection.close()

    def discard(self) -> None:
        for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _record_publication(connection, relation: str, record: dict) -> None:
    connection.execute(
        f"create or replace table {relation} "
        "(published_at timestamp, invocation_id varchar, n_tables integer, audit varchar)"
    )
    invocation = "null" if record["invocation_id"] is None else _quote(record["invocation_id"])
    connection.execute(  # literals: DuckDB's Python parameters would import pandas (a second) to inspect them
        f"insert into {relation} values (timestamp {_quote(record['published_at'].isoformat())}, {invocation}, "
        f"{int(record['n_tables'])}, {_quote(record['audit'])})"
    )
    connection.execute(
        f"comment on table {relation} is "
        "'When these tables were published, from which dbt invocation, and what the audit found.'"
    )


def _columns(connection, catalog: str, schemas: str) -> dict[tuple[str, str], dict[str, str]]:
    """(schema, table) -> {column: type}, in column order, of every table and view of `schemas` in `catalog`."""
    columns: dict[tuple[str, str], dict[str, str]] = {}
    for schema, table, column, data_type in connection.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        f"where database_name = {_quote(catalog)} and schema_name in ({schemas}) "
        "order by schema_name, table_name, column_index"
    ).fetchall():
        columns.setdefault((schema, table), {})[column] = data_type
    return columns


def _replace_changed_parts(cursor, source: str, sink: str, partition: list[str]) -> None:
    """Makes `sink` (a published copy of `source` from an earlier build, same columns) equal to `source` by
    replacing only the parts (rows of one `partition` value) whose rows differ. A part's rows are compared by
    count and the sum of their 64-bit row hashes, so a changed part whose sum came out equal by chance (odds
    about 2⁻⁶⁴) would keep its published rows until the next full audit republishes the whole table."""
    keys = ", ".join(_ident(column) for column in partition)

    def matching(left: str, right: str) -> str:
        return " and ".join(f"{left}.{_ident(c)} is not distinct from {right}.{_ident(c)}" for c in partition)

    def parts(table: str) -> str:
        return f"(select {keys}, count(*) as n, sum(hash(rows)) as h from {table} as rows group by all)"

    either = ", ".join(f"coalesce(b.{_ident(c)}, p.{_ident(c)}) as {_ident(c)}" for c in partition)
    cursor.execute(
        f"create temp table changed_parts as select {either} "
        f"from {parts(source)} as b full join {parts(sink)} as p on {matching('b', 'p')} "
        "where b.n is distinct from p.n or b.h is distinct from p.h"
    )
    changed = f"exists (select 1 from changed_parts as part where {matching('part', 'rows')})"
    cursor.execute(
        f"begin; delete from {sink} as rows where {changed}; "
        f"insert into {sink} select * from {source} as rows where {changed}; commit; drop table changed_parts"
    )


class _StagedPostgres(StagedPublication):
    def __init__(self, target: Target, manifest: dict, started: float) -> None:
        super().__init__(target, manifest, started)
        self.database = marts_database(target)

    def copy(self, tables: list[PublishedTable], scope: set[str] | None, incremental: bool = False) -> None:
        import psycopg2

        from warehouse.loaders.targets import pg_columns

        target, names = self.target, self.names
        _ensure_database(target, self.database)
        source = psycopg2.connect(target.pg_dsn())
        sink = psycopg2.connect(target.pg_dsn(self.database))
        try:
            with source.cursor() as read, sink.cursor() as write:
                for schema in PUBLISHED_SCHEMAS:
                    write.execute(f"drop schema if exists {_ident(schema + '__next')} cascade")
                    write.execute(f"create schema {_ident(schema + '__next')}")
                for table in tables:
                    staged = f"{_ident(table.schema + '__next')}.{_ident(table.name)}"
                    current = f"{_ident(table.schema)}.{_ident(table.name)}"
                    if scope is not None and f"{table.schema}.{table.name}" not in scope:
                        columns = pg_columns(write, current)
                        if not columns:
                            continue  # never published: a whole build publishes it
                        write.execute(f"create table {staged} as table {current}")  # kept as published
                    else:
                        columns = pg_columns(read, current)
                        if not columns:
                            continue
                        write.execute(f"create table {staged} ({', '.join(f'{_ident(c)} {t}' for c, t in columns)})")
                        _copy(read, write, current, staged)
                    write.execute(f"comment on table {staged} is {_quote(table.description)}")
                    for column, description in table.columns.items():
                        if description and any(c == column for c, _ in columns):
                            write.execute(f"comment on column {staged}.{_ident(column)} is {_quote(description)}")
                    names.append(f"{table.schema}.{table.name}")
                sink.commit()
        finally:
            source.close()
            sink.close()

    def _swap(self, record: dict) -> str:
        import psycopg2

        sink = psycopg2.connect(self.target.pg_dsn(self.database))
        try:
            with sink.cursor() as write:
                write.execute(
                    f"create table ops__next.{PUBLICATION_TABLE} (published_at timestamp, invocation_id text, "
                    "n_tables integer, audit text)"
                )
                write.execute(
                    f"insert into ops__next.{PUBLICATION_TABLE} values (%s, %s, %s, %s)",
                    [record["published_at"], record["invocation_id"], record["n_tables"], record["audit"]],
                )
                # the swap: one transaction, so an analyst sees the previous publication or this one
                for schema in PUBLISHED_SCHEMAS:
                    write.execute(f"drop schema if exists {_ident(schema)} cascade")
                    write.execute(f"alter schema {_ident(schema + '__next')} rename to {_ident(schema)}")
                _grant_analysts(write)
            sink.commit()
        finally:
            sink.close()
        return f"postgres://{self.target.pg_host}:{self.target.pg_port}/{self.database}"

    def discard(self) -> None:
        import psycopg2

        sink = psycopg2.connect(self.target.pg_dsn(self.database))
        try:
            with sink.cursor() as write:
                for schema in PUBLISHED_SCHEMAS:
                    write.execute(f"drop schema if exists {_ident(schema + '__next')} cascade")
            sink.commit()
        finally:
            sink.close()


def _copy(read, write, source: str, sink: str) -> None:
    """Streams one relation between the databases through a temporary file (bounded memory)."""
    import tempfile

    with tempfile.TemporaryFile() as buffer:
        read.copy_expert(f"copy (select * from {source}) to stdout with (format binary)", buffer)
        buffer.seek(0)
        write.copy_expert(f"copy {sink} from stdin with (format binary)", buffer)


def _grant_analysts(cursor) -> None:
    """The analyst role the build creates (var analyst_role: WAREHOUSE_ANALYST_ROLE, default warehouse_analyst;
    WAREHOUSE_PG_ANALYST_ROLE names another) reads the publication, when the server has it."""
    role = os.environ.get("WAREHOUSE_PG_ANALYST_ROLE") or os.environ.get("WAREHOUSE_ANALYST_ROLE", "warehouse_analyst")
    cursor.execute("select 1 from pg_roles where rolname = %s", (role,))
    if not cursor.fetchone():
        return
    for schema in PUBLISHED_SCHEMAS:
        cursor.execute(f"grant usage on schema {_ident(schema)} to {_ident(role)}")
        cursor.execute(f"grant select on all tables in schema {_ident(schema)} to {_ident(role)}")


def _ensure_database(target: Target, database: str) -> None:
    import psycopg2

    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", (database,))
            if not cursor.fetchone():
                cursor.execute(f"create database {_ident(database)}")
    finally:
        admin.close()


def open_published(path: Path):
    """A read-only connection to a published file, attached as `published`: opened directly, a file named like
    one of its schemas (the default `marts.duckdb`) makes `marts.t` ambiguous to DuckDB (catalog or schema)."""
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"attach {_quote(str(path))} as published (read_only)")
    connection.execute("use published")
    return connection


def last_publication(target: Target) -> dict | None:
    """The newest row of ops.publication on the published side; None before the first publication."""
    try:
        if target.is_postgres:
            import psycopg2

            connection = psycopg2.connect(target.pg_dsn(marts_database(target)), connect_timeout=5)
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"select * from ops.{PUBLICATION_TABLE} order by published_at desc limit 1")
                    row = cursor.fetchone()
                    columns = [d[0] for d in cursor.description]
            finally:
                connection.close()
            location = f"postgres://{target.pg_host}:{target.pg_port}/{marts_database(target)}"
        else:
            path = marts_path(target)
            if not path.exists():
                return None
            connection = open_published(path)
            try:
                cursor = connection.execute(f"select * from ops.{PUBLICATION_TABLE} order by published_at desc limit 1")
                row = cursor.fetchone()
                columns = [d[0] for d in cursor.description]
            finally:
                connection.close()
            location = str(path)
    except Exception:  # no publication database or file yet
        return None
    if row is None:
        return None
    return dict(zip(columns, row, strict=True)) | {"location": location}
