"""The write phase: works out locally what is new, then lands it in one bulk write per table.

Under the load lock, each table's batches are compared and ordered as Arrow tables (with an in-memory
DuckDB, `tabular.work_connection`, for the queries): rows already in raw (by key, plus the row hash for
versioned sources and dimensions) or repeated earlier in this load are duplicates; the rest get
`event_seq` per domain — after everything already landed, in (event time, key) order across all the
domain's event tables. The warehouse is asked only what it alone knows: each domain's current maximum
`event_seq`, which of the keys it already holds (only when the raw table has rows; the keys go to a
session-local temporary table) and the latest `payload_version`s.

Only the final rows cross to the warehouse, inside the load's transaction, in load order (files in
time order thus append to the event_seq index): Arrow into DuckDB, binary `COPY` into PostgreSQL
(`pg_binary.py`). The rows are never copied or sorted here: event_seq is a column laid beside them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.loaders.batch import Batch
from warehouse.loaders.contracts import Contract, landing_contracts
from warehouse.loaders.tabular import work_connection


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def prepare_batches(warehouse, batches: list[Batch]) -> tuple[dict[str, pa.Table], dict[str, tuple[int, int]]]:
    """The new rows of every table, with their event_seq, ready for `insert_prepared`.

    Call it holding the load lock (what is new depends on raw staying as it is until the insert).
    Returns {table: rows to insert} and {file: (rows written, rows duplicate)} in counted rows.
    """
    by_table: dict[str, list[Batch]] = defaultdict(list)
    for batch in batches:
        by_table[batch.contract.table].append(batch)
    order = {str(batch.path): index for index, batch in enumerate(batches)}
    new: dict[str, pa.Table] = {}
    counts: dict[str, tuple[int, int]] = {}
    con = work_connection()
    try:
        for table, table_batches in sorted(by_table.items()):
            contract = table_batches[0].contract
            incoming = _incoming(table_batches, order)
            new[table] = _keep_new(warehouse, con, contract, incoming, repeated_across_files=len(table_batches) > 1)
            counts.update(_counts(incoming, new[table], table_batches, order))
        for domain in sorted({landing_contracts()[t].domain for t in by_table}):
            sequenced = [t for t in sorted(by_table) if t in {c.table for c in tables_of(domain)}]
            if sequenced:
                new.update(_sequence(warehouse, con, domain, {t: new[t] for t in sequenced}))
        prepared = {table: _new_rows(warehouse, con, landing_contracts()[table], new[table]) for table in sorted(new)}
    finally:
        con.close()
    return prepared, counts


def insert_prepared(warehouse, prepared: dict[str, pa.Table], run_id: str, loaded_at: datetime) -> None:
    """Inserts the prepared new rows into raw with their landing metadata; call it inside the load's
    transaction."""
    for table, rows in prepared.items():
        if rows.num_rows == 0:
            continue
        stamped = rows.append_column("run_id", _repeated_text(run_id, rows.num_rows))
        loaded = np.full(rows.num_rows, np.datetime64(loaded_at, "us"))
        stamped = stamped.append_column("loaded_at", pa.array(loaded, pa.timestamp("us")))
        warehouse.bulk_insert(f"raw.{table}", stamped)


def _repeated_text(value: str, count: int) -> pa.Array:
    """`value` `count` times, built from its buffers (a Python list of a million references is slow)."""
    data = value.encode("utf-8")
    offsets = np.arange(count + 1, dtype=np.int64) * len(data)
    return pa.Array.from_buffers(pa.large_string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data * count)])


def _query(con: duckdb.DuckDBPyConnection, sql: str, **tables: pa.Table) -> pa.Table:
    """Runs `sql` over Arrow tables registered under the given names."""
    for name, data in tables.items():
        con.register(name, data)
    try:
        return con.execute(sql).to_arrow_table()
    finally:
        for name in tables:
            con.unregister(name)


def _incoming(batches: list[Batch], order: dict[str, int]) -> pa.Table:
    """The valid rows of every file of a table, with the file's place in the load (`_file_order`)."""
    parts = [
        batch.valid.append_column(
            "_file_order", pa.array(np.full(batch.valid.num_rows, order[str(batch.path)], np.int32))
        )
        for batch in batches
    ]
    return pa.concat_tables(parts, promote_options="permissive")


def _keep_new(warehouse, con, contract: Contract, incoming: pa.Table, repeated_across_files: bool) -> pa.Table:
    """The incoming rows not landed before, and not repeated earlier in this load.

    Within one file keys are unique (validation rejects repeats), so only a load of several files of
    the table needs the check across files.
    """
    rows = incoming
    if repeated_across_files and rows.num_rows:
        rows = _query(
            con,
            f"select * exclude (_rn) from (select *, row_number() over (partition by {', '.join(contract.dedupe_on)}"
            " order by _file_order, source_position) as _rn from incoming) where _rn = 1",
            incoming=rows,
        )
    landed = _landed(warehouse, contract, rows)
    if landed is not None and landed.num_rows:
        rows = _query(
            con,
            "select r.* from rows r anti join landed l using (_file_order, source_position)",
            rows=rows,
            landed=landed,
        )
    return rows


def _landed(warehouse, contract: Contract, rows: pa.Table) -> pa.Table | None:
    """(_file_order, source_position) of the rows already in raw; None when raw holds none of the table's
    rows (nothing to look up).

    The keys go to a temporary table on the warehouse, outside the load's transaction, and are matched
    there with the same condition as ever (`=` on every dedupe column: a null never matches).
    """
    if not rows.num_rows or not warehouse.fetch(f"select 1 from raw.{contract.table} limit 1"):
        return None
    keys = contract.dedupe_on
    types = {c.name: c.data_type for c in contract.columns} | {"row_hash": "varchar"}
    probe = f"landed_probe_{contract.table}"
    columns = [f"{k} {types[k]}" for k in keys] + ["_file_order integer", "source_position bigint"]
    warehouse.execute(f"drop table if exists {probe}")
    warehouse.execute(f"create temporary table {probe} ({', '.join(columns)})")
    try:
        warehouse.bulk_insert(probe, rows.select([*keys, "_file_order", "source_position"]))
        warehouse.analyze(probe)
        match = " and ".join(f"r.{k} = p.{k}" for k in keys)
        found = warehouse.fetch(
            f"select p._file_order, p.source_position from {probe} p"
            f" where exists (select 1 from raw.{contract.table} r where {match})"
        )
    finally:
        warehouse.execute(f"drop table if exists {probe}")
    orders, positions = zip(*found, strict=True) if found else ((), ())
    return pa.table({"_file_order": pa.array(orders, pa.int32()), "source_position": pa.array(positions, pa.int64())})


def _counts(
    incoming: pa.Table, new: pa.Table, batches: list[Batch], order: dict[str, int]
) -> dict[str, tuple[int, int]]:
    """{file: (rows written, rows duplicate)}, in counted rows (`_weight`)."""

    def weights(rows: pa.Table) -> dict[int, int]:
        summed = rows.group_by("_file_order").aggregate([("_weight", "sum")])
        return dict(zip(summed["_file_order"].to_pylist(), summed["_weight_sum"].to_pylist(), strict=True))

    incoming_weights, new_weights = weights(incoming), weights(new)
    counts = {}
    for batch in batches:
        file_order = order[str(batch.path)]
        written = int(new_weights.get(file_order) or 0)
        counts[str(batch.path)] = (written, int(incoming_weights.get(file_order) or 0) - written)
    return counts


def tables_of(domain: str) -> list[Contract]:
    return [c for c in landing_contracts().values() if c.domain == domain and c.has_event_seq]


def _sequence(warehouse, con, domain: str, new: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The domain's new rows with `event_seq`: after the domain's current maximum, in (event time, key)
    order across its tables."""
    current = " union all ".join(f"select max(event_seq) as m from raw.{c.table}" for c in tables_of(domain))
    base = int(warehouse.fetch(f"select coalesce(max(m), 0) from ({current}) current_max")[0][0])
    tables = sorted(new)
    parts, inputs = [], {}
    for index, table in enumerate(tables):
        contract = landing_contracts()[table]
        key = " || '/' || ".join(f"cast({k} as varchar)" for k in contract.key)
        needed = dict.fromkeys([contract.event_time, *contract.key, "_file_order", "source_position"])
        rows = new[table].select(list(needed))
        inputs[f"new_{table}"] = rows.append_column("_row", pa.array(np.arange(rows.num_rows, dtype=np.int64)))
        parts.append(
            f"select {index} as _src, _row, {_lit(table)} as src, _file_order, "
            f"source_position, {contract.event_time} as event_time, {key} as event_key from new_{table}"
        )
    ordered = _query(
        con,
        f"select _src, _row from ({' union all '.join(parts)}) u"
        " order by event_time, event_key, src, _file_order, source_position",
        **inputs,
    )
    event_seq = np.arange(base + 1, base + 1 + ordered.num_rows, dtype=np.int64)
    sources, positions = ordered["_src"].to_numpy(), ordered["_row"].to_numpy()
    sequenced = {}
    for index, table in enumerate(tables):
        mine = sources == index
        column = np.empty(new[table].num_rows, dtype=np.int64)
        column[positions[mine]] = event_seq[mine]
        sequenced[table] = new[table].append_column("event_seq", pa.array(column))
    return sequenced


def _new_rows(warehouse, con, contract: Contract, rows: pa.Table) -> pa.Table:
    """The rows to insert into raw (all but run_id and loaded_at)."""
    if "payload_version" in contract.column_names:
        rows = _with_payload_version(warehouse, con, contract, rows)
    names = [*contract.column_names, "source_file", "source_position", "row_hash"]
    if contract.has_event_seq:
        names.append("event_seq")
    return rows.select(names)


def _with_payload_version(warehouse, con, contract: Contract, rows: pa.Table) -> pa.Table:
    """payload_version: after the latest landed version of the same (domain_id, epoch), in load order."""
    if not rows.num_rows:
        return rows
    low, high = pc.min_max(rows["epoch"]).values()
    landed = warehouse.fetch(
        f"select domain_id, epoch, max(payload_version) from raw.{contract.table}"
        f" where epoch between {int(low.as_py())} and {int(high.as_py())} group by domain_id, epoch"
    )
    domain_ids, epochs, versions = zip(*landed, strict=True) if landed else ((), (), ())
    latest = pa.table(
        {
            "domain_id": pa.array(domain_ids, pa.int64()),
            "epoch": pa.array(epochs, pa.int64()),
            "max_version": pa.array(versions, pa.int32()),
        }
    )
    return _query(
        con,
        "select n.* replace (cast(coalesce(v.max_version, 0) + row_number() over ("
        "partition by n.domain_id, n.epoch order by n._file_order, n.source_position) as integer) as payload_version)"
        " from rows n left join latest v on v.domain_id = n.domain_id and v.epoch = n.epoch"
        " order by n._file_order, n.source_position",
        rows=rows,
        latest=latest,
    )
