"""The Dagster code location: `dagster dev -m warehouse.orchestration.definitions` (or `warehouse orchestrate`).

Jobs, schedule and sensors are those of operations.md; see README.md beside this file."""

from collections.abc import Mapping
from typing import Any

import dagster as dg

from warehouse.orchestration.dbt import WarehouseTranslator, load_manifest, raw_table_specs, warehouse_dbt_assets
from warehouse.orchestration.failures import record_failure
from warehouse.orchestration.landing import land_files, landing_sensor
from warehouse.orchestration.resources import WarehouseResource
from warehouse.orchestration.scoring import scoring_trigger_sensor
from warehouse.orchestration.settings import WRITER_TAG, Cadence, cadence

QUEUE_MODEL = "pipeline_dirty_nfts"


def queue_relation(manifest: Mapping[str, Any]) -> str:
    """schema.name of the scoring queue, as the manifest names it (a schema override still works)."""
    for props in manifest["nodes"].values():
        if props["resource_type"] == "model" and props["name"] == QUEUE_MODEL:
            return f"{props['schema']}.{props.get('alias') or props['name']}"
    raise LookupError(f"the dbt project has no model {QUEUE_MODEL}")


@dg.run_failure_sensor(
    name="run_failure_log",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed run in <DAGSTER_HOME>/run_failures.jsonl (shown by `warehouse status`).",
)
def run_failure_log(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    steps = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        steps.append(f"{event.step_key}: {error.message.strip() if error else 'failed'}")
    message = "; ".join(steps) or (context.failure_event.message if context.failure_event else None)
    entry = record_failure(run.job_name, run.run_id, message or "run failed")
    context.log.info(f"recorded the failure of {run.job_name} run {run.run_id}: {entry['message']}")


def build_definitions(timing: Cadence | None = None, manifest: Mapping[str, Any] | None = None) -> dg.Definitions:
    timing = timing or cadence()
    manifest = manifest or load_manifest()
    translator = WarehouseTranslator(manifest)
    dbt = warehouse_dbt_assets(manifest, translator)
    warehouse_build = dg.define_asset_job(
        "warehouse_build",
        selection=dg.AssetSelection.assets(dbt),
        tags={WRITER_TAG: "build"},
        description="The whole build: dbt build (models, seeds, snapshots, tests) and what `warehouse build` "
        "runs after it.",
    )
    community_scoring = dg.define_asset_job(
        "community_scoring",
        selection=dg.AssetSelection.assets(dbt) & dg.AssetSelection.groups("community"),
        tags={WRITER_TAG: "build"},
        description="The community scoring assets only: staging, intermediate, marts and the scoring queue; "
        "what they publish is published by the same build.",
    )
    hourly_build = dg.ScheduleDefinition(
        name="hourly_build",
        job=warehouse_build,
        cron_schedule=timing.build_cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"warehouse_build every {timing.build_every_minutes} min (poa_build_every_minutes).",
    )
    return dg.Definitions(
        assets=[dbt, *raw_table_specs(manifest, translator)],
        jobs=[land_files, warehouse_build, community_scoring],
        schedules=[hourly_build],
        sensors=[
            landing_sensor,
            scoring_trigger_sensor("community_scoring", queue_relation(manifest), timing.trigger_check_every_seconds),
            run_failure_log,
        ],
        resources={"warehouse": WarehouseResource()},
    )


defs = build_definitions()
