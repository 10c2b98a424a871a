"""The write phase: works out what is new, then streams it into raw, one bulk write per table.

Under the load lock, each table's batches are compared and ordered in the load's work database (the
in-memory DuckDB that read and validated the files, `tabular.work_connection`; past its memory limit it
spills to disk, so no step holds a load's rows in Python): rows already in raw (by key, plus the row hash
for versioned sources and dimensions) or repeated earlier in this load are duplicates; the rest get
`event_seq` per domain — after everything already landed, in (event time, key) order across all the
domain's event tables. The warehouse is asked only what it alone knows: each domain's current maximum
`event_seq`, which of the keys it already holds (only when the raw table has rows; the keys stream to a
session-local temporary table) and the latest `payload_version`s.

Only the final rows cross to the warehouse, inside the load's transaction, file by file in load order (files
in time order thus append to the event_seq index; within a file, DuckDB's threads may interleave their chunks of
rows), as a stream of Arrow batches: into DuckDB directly, into PostgreSQL by binary `COPY` (`pg_binary.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from warehouse.loaders.batch import STREAM_ROWS, Batch
from warehouse.loaders.contracts import Contract, landing_contracts


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class PreparedRows:
    """A table's new rows, ready to stream into raw. Per file, in load order: the file's valid rows as staged,
    joined on their place in the file (`_row`, the staged table's rowid) with a narrow table of the rows that land
    (`extra_<valid table>`) and what was worked out for them (event_seq, payload_version). The wide rows are thus
    never sorted: they are scanned once by the query that streams them, and probe a hash table of the narrow
    rows, which DuckDB runs on all its threads (a positional join, which needs no hash table, runs on one)."""

    work: duckdb.DuckDBPyConnection
    columns: list[str]
    parts: list[tuple[str, str]]
    num_rows: int
    batch_rows: int

    @property
    def names(self) -> list[str]:
        """The raw columns the rows fill, in order."""
        return [column.split(".", 1)[1] for column in self.columns] + ["run_id", "loaded_at"]

    def selects(self, run_id: str, loaded_at: datetime, catalog: str = "") -> list[str]:
        """One query per file, in load order, giving its rows with run_id and loaded_at; `catalog` qualifies the
        work database's tables for a connection that works elsewhere."""
        stamp = f"{_lit(run_id)} as run_id, cast('{loaded_at:%Y-%m-%d %H:%M:%S.%f}' as timestamp) as loaded_at"
        prefix = f"{catalog}." if catalog else ""
        return [
            f"select {', '.join(self.columns)}, {stamp} from (select rowid as _row, * from {prefix}{valid}) v"
            f" join {prefix}{extra} e using (_row)"
            for valid, extra in self.parts
        ]

    def stream(self, run_id: str, loaded_at: datetime) -> pa.RecordBatchReader:
        """The rows of `selects` as Arrow batches; each file's query runs when its turn comes."""
        queries = self.selects(run_id, loaded_at)
        first = self.work.execute(queries[0]).to_arrow_reader(self.batch_rows)

        def batches():
            yield from first
            for query in queries[1:]:
                yield from self.work.execute(query).to_arrow_reader(self.batch_rows)

        return pa.RecordBatchReader.from_batches(first.schema, batches())


def prepare_batches(warehouse, batches: list[Batch]) -> tuple[dict[str, PreparedRows], dict[str, tuple[int, int]]]:
    """The new rows of every table, with their event_seq, ready for `insert_prepared` (worked out in the batches'
    work database; the batches' own rows are left as they are, so a failed write can prepare again).

    Call it holding the load lock (what is new depends on raw staying as it is until the insert).
    Returns {table: rows to insert} and {file: (rows written, rows duplicate)} in counted rows.
    """
    by_table: dict[str, list[Batch]] = defaultdict(list)
    for batch in batches:
        by_table[batch.contract.table].append(batch)
    order = {str(batch.path): index for index, batch in enumerate(batches)}
    work = batches[0].valid.work
    new: dict[str, str] = {}
    counts: dict[str, tuple[int, int]] = {}
    for table, table_batches in sorted(by_table.items()):
        contract = table_batches[0].contract
        incoming = _incoming(work, table, table_batches, order)
        new[table] = _keep_new(warehouse, work, contract, incoming, repeated_across_files=len(table_batches) > 1)
        counts.update(_counts(work, incoming, new[table], table_batches, order))
    for domain in sorted({landing_contracts()[t].domain for t in by_table}):
        sequenced = [t for t in sorted(by_table) if t in {c.table for c in tables_of(domain)}]
        if sequenced:
            new.update(_sequence(warehouse, work, domain, {t: new[t] for t in sequenced}))
    prepared = {}
    for table in sorted(new):
        contract = landing_contracts()[table]
        rows = new[table]
        if "payload_version" in contract.column_names:
            rows = _with_payload_version(warehouse, work, contract, rows)
        prepared[table] = _prepared(work, contract, rows, by_table[table], order)
    return prepared, counts


def insert_prepared(warehouse, prepared: dict[str, PreparedRows], run_id: str, loaded_at: datetime) -> None:
    """Streams the prepared new rows into raw, in load order, with their landing metadata; call it inside the
    load's transaction."""
    for table, rows in prepared.items():
        if rows.num_rows:
            warehouse.insert_prepared(f"raw.{table}", rows, run_id, loaded_at)


def _prepared(work, contract: Contract, rows: str, batches: list[Batch], order: dict[str, int]) -> PreparedRows:
    """The rows to insert into raw (all columns but run_id and loaded_at), file by file (see PreparedRows)."""
    worked_out = [c for c in ("event_seq", "payload_version") if c in _columns(work, rows)]
    names = [*contract.column_names, "source_file", "source_position", "row_hash"]
    if contract.has_event_seq:
        names.append("event_seq")
    columns = [f"e.{name}" if name in worked_out else f"v.{name}" for name in names]
    kept = f"kept_{contract.table}"  # narrow, and worked out once for all the files
    carried = "".join(f", {c}" for c in worked_out)
    work.execute(f"create or replace table {kept} as select _file_order, _row{carried} from {rows}")
    parts, total = [], 0
    for batch in batches:
        extra = f"extra_{batch.valid.name}"
        work.execute(
            f"create or replace table {extra} as select _row{carried} from {kept}"
            f" where _file_order = {order[str(batch.path)]}"
        )
        parts.append((batch.valid.name, extra))
        total += _count(work, extra)
    return PreparedRows(work, columns, parts, total, min(batch.valid.batch_rows for batch in batches))


def _columns(work: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in work.execute(f"describe {relation}").fetchall()]


def _count(work: duckdb.DuckDBPyConnection, name: str) -> int:
    return work.execute(f"select count(*) from {name}").fetchone()[0]


def _incoming(work: duckdb.DuckDBPyConnection, table: str, batches: list[Batch], order: dict[str, int]) -> str:
    """View `incoming_<table>`: the valid rows of every file of a table, with the file's place in the load
    (`_file_order`) and the row's place in its file (`_row`). The steps below are views too where they can be, so
    that the rows are copied once, by the query that streams them into raw."""
    name = f"incoming_{table}"
    parts = [
        f"select *, cast({order[str(batch.path)]} as integer) as _file_order, rowid as _row from {batch.valid.name}"
        for batch in batches
    ]
    work.execute(f"create or replace view {name} as {' union all by name '.join(parts)}")
    return name


def _keep_new(warehouse, work, contract: Contract, incoming: str, repeated_across_files: bool) -> str:
    """The incoming rows not landed before, and not repeated earlier in this load (a table's name).

    Within one file keys are unique (validation rejects repeats), so only a load of several files of
    the table needs the check across files.
    """
    rows = incoming
    if repeated_across_files:
        firsts, rows = f"firsts_{contract.table}", f"first_{contract.table}"
        work.execute(
            f"create or replace table {firsts} as select _file_order, _row from (select _file_order, _row,"
            f" row_number() over (partition by {', '.join(contract.dedupe_on)} order by _file_order, source_position)"
            f" as _rn from {incoming}) where _rn = 1"
        )
        work.execute(
            f"create or replace view {rows} as select * from {incoming} semi join {firsts} using (_file_order, _row)"
        )
    if _landed(warehouse, work, contract, rows):
        kept = f"new_{contract.table}"
        work.execute(
            f"create or replace view {kept} as"
            f" select r.* from {rows} r anti join landed_{contract.table} using (_file_order, source_position)"
        )
        return kept
    return rows


def _landed(warehouse, work, contract: Contract, rows: str) -> bool:
    """Whether some of the rows are already in raw; if so, table `landed_<table>` of the work database holds their
    (_file_order, source_position).

    The keys stream to a temporary table on the warehouse, outside the load's transaction, and are matched
    there with the same condition as ever (`=` on every dedupe column: a null never matches).
    """
    count = _count(work, rows)
    if not count or not warehouse.fetch(f"select 1 from raw.{contract.table} limit 1"):
        return False
    keys = contract.dedupe_on
    types = {c.name: c.data_type for c in contract.columns} | {"row_hash": "varchar"}
    probe = f"landed_probe_{contract.table}"
    columns = [f"{k} {types[k]}" for k in keys] + ["_file_order integer", "source_position bigint"]
    warehouse.execute(f"drop table if exists {probe}")
    warehouse.execute(f"create temporary table {probe} ({', '.join(columns)})")
    try:
        selected = ", ".join([*keys, "_file_order", "source_position"])
        warehouse.bulk_insert(
            probe, work.execute(f"select {selected} from {rows}").to_arrow_reader(STREAM_ROWS), rows=count
        )
        warehouse.analyze(probe)
        match = " and ".join(f"r.{k} = p.{k}" for k in keys)
        warehouse.fetch_into(
            work,
            f"landed_{contract.table}",
            f"select p._file_order, p.source_position from {probe} p"
            f" where exists (select 1 from raw.{contract.table} r where {match})",
            {"_file_order": "integer", "source_position": "bigint"},
        )
    finally:
        warehouse.execute(f"drop table if exists {probe}")
    return bool(_count(work, f"landed_{contract.table}"))


def _counts(work, incoming: str, new: str, batches: list[Batch], order: dict[str, int]) -> dict[str, tuple[int, int]]:
    """{file: (rows written, rows duplicate)}, in counted rows (`_weight`)."""

    def weights(rows: str) -> dict[int, int]:
        return dict(work.execute(f"select _file_order, sum(_weight) from {rows} group by _file_order").fetchall())

    incoming_weights, new_weights = weights(incoming), weights(new)
    counts = {}
    for batch in batches:
        file_order = order[str(batch.path)]
        written = int(new_weights.get(file_order) or 0)
        counts[str(batch.path)] = (written, int(incoming_weights.get(file_order) or 0) - written)
    return counts


def tables_of(domain: str) -> list[Contract]:
    return [c for c in landing_contracts().values() if c.domain == domain and c.has_event_seq]


def _sequence(warehouse, work, domain: str, new: dict[str, str]) -> dict[str, str]:
    """The domain's new rows with `event_seq` (views `sequenced_<table>`): after the domain's current maximum,
    in (event time, key) order across its tables (table `event_order_<domain>`)."""
    current = " union all ".join(f"select max(event_seq) as m from raw.{c.table}" for c in tables_of(domain))
    base = int(warehouse.fetch(f"select coalesce(max(m), 0) from ({current}) current_max")[0][0])
    tables = sorted(new)
    parts = []
    for index, table in enumerate(tables):
        contract = landing_contracts()[table]
        key = " || '/' || ".join(f"cast({k} as varchar)" for k in contract.key)
        parts.append(
            f"select {index} as _src, _file_order, _row, {_lit(table)} as src, source_position,"
            f" {contract.event_time} as event_time, {key} as event_key from {new[table]}"
        )
    order = f"event_order_{domain}"
    work.execute(
        f"create or replace table {order} as select _src, _file_order, _row, {base} + row_number() over ("
        "order by event_time, event_key, src, _file_order, source_position, _row) as event_seq"
        f" from ({' union all '.join(parts)}) u"
    )
    sequenced = {}
    for index, table in enumerate(tables):
        sequenced[table] = f"sequenced_{table}"
        work.execute(
            f"create or replace view {sequenced[table]} as select n.*, o.event_seq from {new[table]} n"
            f" join {order} o on o._src = {index} and o._file_order = n._file_order and o._row = n._row"
        )
    return sequenced


def _with_payload_version(warehouse, work, contract: Contract, rows: str) -> str:
    """payload_version: after the latest landed version of the same (domain_id, epoch), in load order."""
    low, high = work.execute(f"select min(epoch), max(epoch) from {rows}").fetchone()
    if low is None:
        return rows
    landed = warehouse.fetch(
        f"select domain_id, epoch, max(payload_version) from raw.{contract.table}"
        f" where epoch between {int(low)} and {int(high)} group by domain_id, epoch"
    )
    domain_ids, epochs, versions = zip(*landed, strict=True) if landed else ((), (), ())
    latest = pa.table(
        {
            "domain_id": pa.array(domain_ids, pa.int64()),
            "epoch": pa.array(epochs, pa.int64()),
            "max_version": pa.array(versions, pa.int32()),
        }
    )
    versions, versioned = f"versions_{contract.table}", f"versioned_{contract.table}"
    work.register("latest", latest)
    try:
        work.execute(
            f"create or replace table {versions} as select n._file_order, n._row, cast(coalesce(v.max_version, 0)"
            " + row_number() over (partition by n.domain_id, n.epoch order by n._file_order, n.source_position, n._row)"
            f" as integer) as payload_version from {rows} n"
            " left join latest v on v.domain_id = n.domain_id and v.epoch = n.epoch"
        )
    finally:
        work.unregister("latest")
    work.execute(
        f"create or replace view {versioned} as select n.* replace (v.payload_version as payload_version)"
        f" from {rows} n join {versions} v using (_file_order, _row)"
    )
    return versioned
