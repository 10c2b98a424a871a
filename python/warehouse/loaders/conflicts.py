"""The same key again with different content: rejected `conflicting_duplicate`, never a silent duplicate.

For sources whose rows never change once sent (events keyed by their id, roster snapshots by clan and
time), a row whose key has already landed — or appears earlier in the same load — with a different
content hash is taken out of the batch and rejected; the reject holds the new row as a JSON object of
its fields. An identical row stays a duplicate. Versioned sources and dimensions are left alone: there
a changed row is a new version.

Runs before the write phase, under the load lock, on the batches' valid rows: the keys and hashes stream
into a temporary table on the warehouse and are compared with raw in one query per table; the conflicting
rows' positions come back into the load's work database.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pyarrow as pa

from warehouse.loaders.batch import REJECT_SCHEMA, Batch
from warehouse.loaders.contracts import Contract


def checks_conflicts(contract: Contract) -> bool:
    return bool(contract.key) and contract.dedupe_on == contract.key


def reject_conflicts(warehouse, batches: list[Batch]) -> None:
    """Moves conflicting rows of the batches from `valid` to `rejects` (in place)."""
    by_table: dict[str, list[Batch]] = defaultdict(list)
    for batch in batches:
        if checks_conflicts(batch.contract) and batch.valid.num_rows:
            by_table[batch.contract.table].append(batch)
    for table_batches in by_table.values():
        _reject_in_table(warehouse, table_batches[0].contract, table_batches)


def _reject_in_table(warehouse, contract: Contract, batches: list[Batch]) -> None:
    keys = list(contract.key)
    probe = f"conflict_probe_{contract.table}"
    columns = [f"{k} {contract.column(k).data_type}" for k in keys]
    columns += ["row_hash varchar", "_file_order integer", "source_position bigint"]
    landed = warehouse.fetch(f"select 1 from raw.{contract.table} limit 1")
    if not landed and len(batches) == 1:
        return  # within one file, repeated keys were already rejected by validation
    warehouse.execute(f"drop table if exists {probe}")
    warehouse.execute(f"create temporary table {probe} ({', '.join(columns)})")
    for order, batch in enumerate(batches):
        selected = f"{', '.join(keys)}, row_hash, source_position, cast({order} as integer) as _file_order"
        warehouse.bulk_insert(probe, batch.valid.stream(selected), rows=batch.valid.num_rows)
    match = " and ".join(f"r.{k} = p.{k}" for k in keys)
    partition = ", ".join(keys)
    work = batches[0].valid.work
    warehouse.fetch_into(
        work,
        "conflicting",
        f"""
        select p._file_order, p.source_position from (
            select *, first_value(row_hash) over w as first_hash, first_value(source_position) over w as first_position,
                   first_value(_file_order) over w as first_file
            from {probe}
            window w as (partition by {partition} order by _file_order, source_position)
        ) p
        where exists (select 1 from raw.{contract.table} r where {match} and r.row_hash <> p.row_hash)
           or (p.row_hash <> p.first_hash and not exists (
                   select 1 from raw.{contract.table} r where {match} and r.row_hash = p.row_hash))
        """,
        {"_file_order": "integer", "source_position": "bigint"},
    )
    warehouse.execute(f"drop table {probe}")
    for order, batch in enumerate(batches):
        conflicting = f"source_position in (select source_position from conflicting where _file_order = {order})"
        _move(batch, contract, conflicting)
    work.execute("drop table conflicting")


def _move(batch: Batch, contract: Contract, condition: str) -> None:
    """Moves the valid rows meeting `condition` (SQL) to the batch's rejects."""
    bad = batch.valid.arrow(where=condition)
    if not bad.num_rows:
        return
    batch.valid.work.execute(f"delete from {batch.valid.name} where {condition}")
    batch.valid.num_rows -= bad.num_rows
    unit = "record" if batch.path.suffix.lower() == ".parquet" else "line"
    if contract.kind == "document":
        unit = "document"
    rows = []
    for row in bad.to_pylist():
        key = "/".join(str(row[k]) for k in contract.key)
        text = (
            row["payload"]
            if "payload" in row
            else json.dumps({c: _text(row[c]) for c in contract.column_names}, ensure_ascii=False)
        )
        reason = (
            f"{'/'.join(contract.key)} {key} has already landed (or comes earlier in this load) with different content"
        )
        for _ in range(int(row.get("_weight") or 1)):
            rows.append(
                {
                    "position": f"{unit} {row['source_position']}",
                    "reason_code": "conflicting_duplicate",
                    "reason": reason,
                    "raw_text": text,
                }
            )
    batch.rejects = pa.concat_tables([batch.rejects, pa.Table.from_pylist(rows, schema=REJECT_SCHEMA)])


def _text(value: object) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    return str(value)
