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
    """Per run: run_id, files, rows read, landed, rejected, duplicate, failed phases — counted by phase as
    the load summary and ops.ingestion_health count them (a roster file logs its rows in several phases:
    read once, landed by its snapshot write, never again through the member upsert)."""
    warehouse = open_warehouse(target)
    try:
        return warehouse.fetch(f"""
            select run_id, count(distinct file),
                   sum(case when phase = 'read' then rows_read else 0 end),
                   sum(case when phase in ('write', 'write_snapshot') then rows_written else 0 end),
                   sum(rows_rejected),
                   sum(case when phase in ('write', 'write_snapshot') then rows_duplicate else 0 end),
                   sum(case when status = 'failed' then 1 else 0 end)
            from raw.ingest_logs group by run_id order by run_id desc limit {int(limit)}
        """)
    finally:
        warehouse.close()


def open_alerts(target: Target, limit: int = 20) -> list[tuple] | None:
    """Open rows of ops.ingestion_alerts, most severe and newest first; None before the first build."""
    warehouse = open_warehouse(target)
    try:
        exists = warehouse.fetch(
            "select count(*) from information_schema.tables where table_schema = 'ops' "
            "and table_name = 'ingestion_alerts'"
        )[0][0]
        if not exists:
            return None
        return warehouse.fetch(f"""
            select severity, alert_type, coalesce(clan_tag, source, run_id) as subject, detail, first_seen_at
            from ops.ingestion_alerts where is_open
            order by case severity when 'critical' then 0 else 1 end, first_seen_at desc limit {int(limit)}
        """)
    finally:
        warehouse.close()


def _relation_exists(warehouse, schema: str, name: str) -> bool:
    return bool(
        warehouse.fetch(
            f"select count(*) from information_schema.tables where table_schema = '{schema}' and table_name = '{name}'"
        )[0][0]
    )


def reject_counts(target: Target) -> list[tuple[str, str, int]]:
    """(source, reason_code, rows) of every row in raw.rejects, most frequent first."""
    warehouse = open_warehouse(target)
    try:
        return warehouse.fetch(
            "select source, coalesce(reason_code, 'unknown'), count(*) from raw.rejects "
            "group by source, coalesce(reason_code, 'unknown') order by count(*) desc, source"
        )
    finally:
        warehouse.close()


#: The dimensions that get inferred members: (relation, what they are).
INFERRED_DIMENSIONS = (
    ("staging", "stg_community__nfts", "NFTs"),
    ("staging", "stg_community__users", "users"),
    ("staging", "stg_discovery__projects", "projects"),
)


def quality_counts(target: Target) -> dict[str, list[tuple] | None]:
    """Quarantined rows per (source, rule) and inferred members per dimension; None before the first build."""
    warehouse = open_warehouse(target)
    try:
        result: dict[str, list[tuple] | None] = {"quarantined": None, "inferred": None}
        if _relation_exists(warehouse, "ops", "quarantined_rows"):
            result["quarantined"] = warehouse.fetch(
                "select source, rule, count(*) from ops.quarantined_rows group by source, rule order by source, rule"
            )
        inferred = []
        for schema, name, label in INFERRED_DIMENSIONS:
            if _relation_exists(warehouse, schema, name):
                inferred.append(
                    (label, warehouse.fetch(f"select count(*) from {schema}.{name} where is_inferred")[0][0])
                )
        result["inferred"] = inferred or None
        return result
    finally:
        warehouse.close()
