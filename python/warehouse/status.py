"""What `warehouse status` reads: raw table sizes and the latest loads."""

from __future__ import annotations

from warehouse.loaders.contracts import contracts
from warehouse.loaders.targets import open_warehouse
from warehouse.settings import Target


def raw_counts(target: Target) -> dict[str, int]:
    warehouse = open_warehouse(target)
    try:
        warehouse.ensure_raw_schema()
        return {name: warehouse.fetch(f"select count(*) from raw.{name}")[0][0] for name in sorted(contracts())}
    finally:
        warehouse.close()


def latest_loads(target: Target, limit: int = 10) -> list[tuple]:
    warehouse = open_warehouse(target)
    try:
        return warehouse.fetch(f"""
            select run_id, count(distinct file), sum(rows_read), sum(rows_written), sum(rows_rejected),
                   sum(rows_duplicate), sum(case when status = 'failed' then 1 else 0 end)
            from raw.ingest_logs group by run_id order by run_id desc limit {int(limit)}
        """)
    finally:
        warehouse.close()
