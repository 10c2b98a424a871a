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
    warehouse = open_warehouse(target)
    try:
        exists = warehouse.fetch(
            f"select count(*) from information_schema.tables where table_schema = '{schema}' and table_name = '{name}'"
        )[0][0]
        if not exists:
            return None
        rows = warehouse.fetch(
            f"select nft_id, trigger_reasons, last_event_seq from {queue_relation} where is_triggered"
        )
    finally:
        warehouse.close()
    return [Triggered(str(nft), tuple((reasons or "").split(",")), int(seq)) for nft, reasons, seq in rows]


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
