"""`scoring_trigger`: reads the scoring queue (ops.pipeline_dirty_nfts) and, when an NFT is triggered (super
vote, FIRE, milestone, high activity), requests `community_scoring` once for those pending events. Its cursor
is the highest event_seq already requested, so events already asked for never start a second run."""

from collections import Counter
from dataclasses import dataclass

import dagster as dg

from warehouse.loaders.targets import open_warehouse
from warehouse.locking import warehouse_busy
from warehouse.orchestration.resources import WarehouseResource
from warehouse.settings import Target

TRIGGER_REASONS = ("super_vote", "fire", "milestone", "high_activity")


@dataclass(frozen=True)
class Triggered:
    nft_id: str
    reasons: tuple[str, ...]
    last_event_seq: int


def triggered_nfts(target: Target, queue_relation: str) -> list[Triggered] | None:
    """The triggered rows of the queue, or None when the queue does not exist yet (nothing built)."""
    if not target.is_postgres and not target.duckdb_path.exists():
        return None
    schema, name = queue_relation.split(".")
    exists_sql = (
        f"select count(*) from information_schema.tables where table_schema = '{schema}' and table_name = '{name}'"
    )
    rows_sql = f"select nft_id, trigger_reasons, last_event_seq from {queue_relation} where is_triggered"
    fetch = _read_postgres if target.is_postgres else _read_duckdb
    rows = fetch(target, exists_sql, rows_sql)
    if rows is None:
        return None
    return [Triggered(str(nft), tuple((reasons or "").split(",")), int(seq)) for nft, reasons, seq in rows]


def _read_postgres(target: Target, exists_sql: str, rows_sql: str) -> list[tuple] | None:
    warehouse = open_warehouse(target)
    try:
        return warehouse.fetch(rows_sql) if warehouse.fetch(exists_sql)[0][0] else None
    finally:
        warehouse.close()


def _read_duckdb(target: Target, exists_sql: str, rows_sql: str) -> list[tuple] | None:
    """A read-only connection: the trigger check only reads. A process that already has the file open another
    way (a run executed in the same process) gets a connection of that kind instead."""
    import duckdb

    try:
        con = duckdb.connect(str(target.duckdb_path), read_only=True)
    except duckdb.ConnectionException:
        con = duckdb.connect(str(target.duckdb_path))
    try:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(rows_sql).fetchall() if con.execute(exists_sql).fetchone()[0] else None
    finally:
        con.close()


def scoring_trigger_sensor(job_name: str, queue_relation: str, every_seconds: int) -> dg.SensorDefinition:
    @dg.sensor(
        name="scoring_trigger",
        job_name=job_name,
        minimum_interval_seconds=every_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Every {every_seconds} s (poa_trigger_check_every_seconds): {job_name} for newly "
        f"triggered NFTs of {queue_relation}.",
    )
    def scoring_trigger(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        target = warehouse.target()
        busy = warehouse_busy(target)
        if busy:
            context.log.info(f"skipped: {busy}")
            return dg.SkipReason(f"the queue is read on a later tick: {busy}")
        requested = int(context.cursor) if context.cursor else -1
        rows = triggered_nfts(target, queue_relation)
        if rows is None:
            return dg.SkipReason(f"{queue_relation} does not exist yet: run warehouse_build first")
        new = [row for row in rows if row.last_event_seq > requested]
        if not new:
            if not rows:
                return dg.SkipReason("no NFT is triggered")
            return dg.SkipReason(
                f"{len(rows)} triggered NFTs, none with events after event_seq {requested} (already requested)"
            )
        through = max(row.last_event_seq for row in new)
        reasons = Counter(reason for row in new for reason in row.reasons if reason)
        summary = ", ".join(f"{reasons[r]} {r}" for r in TRIGGER_REASONS if reasons[r])
        context.log.info(f"{len(new)} NFTs triggered ({summary}), events through event_seq {through}")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"scoring-through-{through}",
                    tags={
                        "warehouse/trigger_reasons": ",".join(r for r in TRIGGER_REASONS if reasons[r]),
                        "warehouse/triggered_nfts": str(len(new)),
                        "warehouse/through_event_seq": str(through),
                    },
                )
            ],
            cursor=str(through),
        )

    return scoring_trigger
