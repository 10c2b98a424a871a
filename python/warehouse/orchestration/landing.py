"""`land_files` and `landing_sensor`: new files of the landing folder land through `warehouse.loaders.run.load`,
the same load `warehouse load` runs."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from warehouse.loaders.run import LoadUsageError, load, plan
from warehouse.locking import WarehouseBusy, warehouse_busy
from warehouse.orchestration.resources import WarehouseResource
from warehouse.orchestration.retries import retry_if_transient
from warehouse.orchestration.settings import WRITER_TAG

LANDING_CHECK_SECONDS = 30


class LandFilesConfig(dg.Config):
    files: list[str] = []
    """Files to land; empty: every file of the landing folder (files already landed are skipped)."""


@dg.op(out={})
def land_new_files(context: dg.OpExecutionContext, config: LandFilesConfig, warehouse: WarehouseResource):
    target = warehouse.target()
    paths = [Path(name) for name in config.files] or [warehouse.landing()]
    context.log.info(f"landing {', '.join(map(str, paths))} into {target.describe()}")
    try:
        report = load(paths, target, on_progress=context.log.info)
    except WarehouseBusy as error:
        retry_if_transient(context, error)
        raise
    except LoadUsageError as error:
        raise dg.Failure(description=str(error)) from None
    landed: dict[str, list] = {}
    for result in report.files:
        if result.status == "ok" and result.rows_written:
            landed.setdefault(result.source, []).append(result)
    for source, files in sorted(landed.items()):
        yield dg.AssetMaterialization(
            asset_key=dg.AssetKey(["raw", source]),
            description=f"landed by load {report.run_id}",
            metadata={
                "files": [Path(f.file).name for f in files],
                "rows_landed": sum(f.rows_written for f in files),
                "rows_rejected": sum(f.rows_rejected for f in files),
            },
        )
    if not report.ok:
        retry_if_transient(context, report.error)
        raise dg.Failure(description=f"load {report.run_id} failed: {report.error}")
    context.log.info(
        f"load {report.run_id}: {sum(f.rows_written for f in report.files):,} rows landed, "
        f"{sum(f.rows_rejected for f in report.files):,} rejected (see raw.rejects)"
    )


@dg.job(name="land_files", tags={WRITER_TAG: "load"}, description="Lands every new file of the landing folder.")
def land_files():
    land_new_files()


def _signature(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dg.sensor(
    name="landing_sensor",
    job=land_files,
    minimum_interval_seconds=LANDING_CHECK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts land_files when new (or changed) files appear in the landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    folder = warehouse.landing()
    if not folder.is_dir():
        return dg.SkipReason(f"no landing folder at {folder} (set WAREHOUSE_LANDING_DIR)")
    try:
        files = [item.path for item in plan([folder])[0]]
    except LoadUsageError:
        files = []
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = {str(path): _signature(path) for path in files}
    new = sorted(name for name, signature in current.items() if seen.get(name) != signature)
    if not new:
        return dg.SkipReason(f"no new files in {folder} ({len(current)} already seen)")
    busy = warehouse_busy(warehouse.target())
    if busy:
        context.log.info(f"skipped: {busy}")
        return dg.SkipReason(f"{len(new)} new files wait: {busy}")
    digest = hashlib.sha256(json.dumps({name: current[name] for name in new}).encode()).hexdigest()[:16]
    context.log.info(f"{len(new)} new files: {', '.join(Path(name).name for name in new)}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"landing-{digest}",
                run_config={"ops": {"land_new_files": {"config": {"files": new}}}},
                tags={"warehouse/new_files": str(len(new))},
            )
        ],
        cursor=json.dumps({**seen, **{name: current[name] for name in new}}),
    )
