"""The write phase: portable SQL that lands validated batches.

Staging happens in session-local temporary tables under the load lock; only the final inserts into
raw run inside the load's transaction (reading temporary tables created in the same transaction is
markedly slower on DuckDB).

Per table: the batches go to a temporary `incoming_<table>`; rows already in raw (or earlier in this
load) are duplicates; the rest get `event_seq` per domain — after everything already landed, in
(event time, key) order across all the domain's event tables — and are inserted with their landing
metadata.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pyarrow as pa

from warehouse.loaders.batch import Batch
from warehouse.loaders.contracts import Contract, landing_contracts


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ts(value: datetime) -> str:
    return f"cast('{value:%Y-%m-%d %H:%M:%S.%f}' as timestamp)"


def prepare_batches(warehouse, batches: list[Batch]) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """Stages the batches in temporary tables (new rows and their event_seq), outside the transaction.

    Call it holding the load lock. Returns the tables to insert into and {file: (rows written, rows
    duplicate)} in counted rows.
    """
    by_table: dict[str, list[Batch]] = defaultdict(list)
    for batch in batches:
        by_table[batch.contract.table].append(batch)
    order = {str(batch.path): index for index, batch in enumerate(batches)}
    counts: dict[str, tuple[int, int]] = {}
    for table, table_batches in sorted(by_table.items()):
        contract = table_batches[0].contract
        _stage_incoming(warehouse, contract, table_batches, order)
        warehouse.analyze(f"incoming_{contract.table}")
        _keep_new(warehouse, contract, repeated_across_files=len(table_batches) > 1)
        warehouse.analyze(f"new_{table}")
        incoming = dict(warehouse.fetch(f"select source_file, sum(_weight) from incoming_{table} group by source_file"))
        new = dict(warehouse.fetch(f"select source_file, sum(_weight) from new_{table} group by source_file"))
        for batch in table_batches:
            name = str(batch.path)
            written = int(new.get(name) or 0)
            counts[name] = (written, int(incoming.get(name) or 0) - written)
    domains = sorted({landing_contracts()[t].domain for t in by_table})
    for domain in domains:
        sequenced = [
            t
            for t in sorted(by_table)
            if landing_contracts()[t].domain == domain and landing_contracts()[t].has_event_seq
        ]
        if sequenced:
            _sequence(warehouse, domain, [landing_contracts()[t] for t in sequenced])
            warehouse.analyze(f"seq_{domain}")
    return sorted(by_table), counts


def insert_prepared(warehouse, tables: list[str], run_id: str, loaded_at: datetime) -> None:
    """Inserts the staged new rows into raw; call it inside the load's transaction."""
    for table in tables:
        _insert(warehouse, landing_contracts()[table], run_id, loaded_at)


def _stage_incoming(warehouse, contract: Contract, batches: list[Batch], order: dict[str, int]) -> None:
    columns = [f"{c.name} {c.data_type}" for c in contract.columns]
    columns += [
        "source_file varchar",
        "source_position bigint",
        "row_hash varchar",
        "_weight bigint",
        "_file_order integer",
    ]
    warehouse.execute(f"drop table if exists incoming_{contract.table}")
    warehouse.execute(f"create temporary table incoming_{contract.table} ({', '.join(columns)})")
    for batch in batches:
        if batch.valid.num_rows == 0:
            continue
        file_order = pa.array([order[str(batch.path)]] * batch.valid.num_rows, pa.int32())
        warehouse.bulk_insert(f"incoming_{contract.table}", batch.valid.append_column("_file_order", file_order))


def _keep_new(warehouse, contract: Contract, repeated_across_files: bool) -> None:
    """new_<table>: incoming rows not landed before, and not repeated earlier in this load.

    Within one file keys are unique (validation rejects repeats), so only a load of several files of
    the table needs the check across files.
    """
    keys = contract.dedupe_on
    match = " and ".join(f"r.{k} = i.{k}" for k in keys)
    incoming = f"incoming_{contract.table}"
    if repeated_across_files:
        incoming = (
            f"(select *, row_number() over (partition by {', '.join(keys)} order by _file_order, source_position)"
            f" as _rn from incoming_{contract.table})"
        )
    first = "i._rn = 1 and " if repeated_across_files else ""
    warehouse.execute(f"drop table if exists new_{contract.table}")
    warehouse.execute(f"""
        create temporary table new_{contract.table} as
        select i.* from {incoming} i
        where {first}not exists (select 1 from raw.{contract.table} r where {match})
    """)


def _sequence(warehouse, domain: str, tables: list[Contract]) -> None:
    """seq_<domain>: event_seq for every new row of the domain, after the domain's current maximum."""
    current = " union all ".join(f"select max(event_seq) as m from raw.{c.table}" for c in tables_of(domain))
    base = warehouse.fetch(f"select coalesce(max(m), 0) from ({current}) current_max")[0][0]
    parts = []
    for c in tables:
        key = " || '/' || ".join(f"cast({k} as varchar)" for k in c.key)
        parts.append(
            f"select {_lit(c.table)} as src, source_file, source_position, _file_order, "
            f"{c.event_time} as event_time, {key} as event_key from new_{c.table}"
        )
    warehouse.execute(f"drop table if exists seq_{domain}")
    warehouse.execute(f"""
        create temporary table seq_{domain} as
        select src, source_file, source_position,
               {int(base)} + row_number() over (
                   order by event_time, event_key, src, _file_order, source_position) as event_seq
        from ({" union all ".join(parts)}) u
    """)


def tables_of(domain: str) -> list[Contract]:
    return [c for c in landing_contracts().values() if c.domain == domain and c.has_event_seq]


def _insert(warehouse, contract: Contract, run_id: str, loaded_at: datetime) -> None:
    names = [c.name for c in contract.columns]
    select = [f"n.{name}" for name in names]
    joins = ""
    if "payload_version" in names:
        select[names.index("payload_version")] = (
            "coalesce(v.max_version, 0) + row_number() over ("
            "partition by n.domain_id, n.epoch order by n._file_order, n.source_position)"
        )
        joins += (
            f" left join (select domain_id, epoch, max(payload_version) as max_version from raw.{contract.table}"
            " group by domain_id, epoch) v on v.domain_id = n.domain_id and v.epoch = n.epoch"
        )
    targets = [*names, "run_id", "source_file", "source_position", "loaded_at", "row_hash"]
    select += [_lit(run_id), "n.source_file", "n.source_position", _ts(loaded_at), "n.row_hash"]
    if contract.has_event_seq:
        targets.append("event_seq")
        select.append("s.event_seq")
        joins += (
            f" join seq_{contract.domain} s on s.src = {_lit(contract.table)}"
            " and s.source_file = n.source_file and s.source_position = n.source_position"
        )
    warehouse.execute(
        f"insert into raw.{contract.table} ({', '.join(targets)}) "
        f"select {', '.join(select)} from new_{contract.table} n{joins}"
    )
