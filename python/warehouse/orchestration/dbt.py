"""The dbt project as Dagster assets: one asset per model, seed and snapshot (keys `schema/name`, as the
relations are named), the raw tables as external assets, all grouped by domain. Materializing any of them
runs `warehouse.build.build` — the very build `warehouse build` runs — on the selected nodes."""

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, build_dbt_asset_specs

from warehouse.build import build, dbt_args
from warehouse.locking import WarehouseBusy
from warehouse.orchestration.quality import check_results, quality_check_specs
from warehouse.orchestration.resources import WarehouseResource
from warehouse.orchestration.retries import retry_if_transient
from warehouse.quality.suites import manifest_relations
from warehouse.settings import project_root, target_from_env

DOMAINS = ("community", "discovery", "staking", "clans")
#: Nodes shared by every domain (ingestion logs, payload versions, alerts) are grouped here.
SHARED_GROUP = "ops"
PROJECT_INPUTS = ("models", "macros", "seeds", "snapshots", "tests/dbt", "dbt_project.yml", "profiles.yml")
ASSET_TYPES = ("model", "seed", "snapshot")


def _newest_input(root: Path) -> float:
    newest = 0.0
    for name in PROJECT_INPUTS:
        path = root / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        for folder, _, files in os.walk(path):
            for file in files:
                newest = max(newest, os.stat(os.path.join(folder, file)).st_mtime)
    return newest


def manifest_path() -> Path:
    """The dbt manifest the asset graph is read from (target/dagster/), parsed again when a project file is
    newer. A lock keeps two processes (webserver, daemon) from parsing into the same folder at once."""
    from dbt.cli.main import dbtRunner

    root = project_root()
    folder = root / "target" / "dagster"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.json"
    with open(folder / ".parse.lock", "w") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if path.exists() and path.stat().st_mtime >= _newest_input(root):
            return path
        result = dbtRunner().invoke(["--quiet", *dbt_args("parse", target_from_env(), "--target-path", str(folder))])
        if not result.success:
            raise RuntimeError(f"dbt parse failed, so the asset graph cannot be read: {result.exception}")
    return path


def load_manifest() -> dict[str, Any]:
    return json.loads(manifest_path().read_text())


def domains_by_node(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Each model, seed, snapshot and source's domain: the one its folder (or source) names, else the one
    all its parents share, else the shared group."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    found: dict[str, str] = {}

    def domain(unique_id: str, seen: frozenset = frozenset()) -> str:
        if unique_id in found:
            return found[unique_id]
        props = nodes[unique_id]
        named = [part for part in props.get("fqn", [])[1:] if part in DOMAINS]
        if props["resource_type"] == "source":
            result = props["source_name"] if props["source_name"] in DOMAINS else SHARED_GROUP
        elif named:
            result = named[0]
        else:
            parents = [
                parent
                for parent in props.get("depends_on", {}).get("nodes", [])
                if parent in nodes and parent not in seen and nodes[parent]["resource_type"] in (*ASSET_TYPES, "source")
            ]
            groups = {domain(parent, seen | {unique_id}) for parent in parents}
            result = groups.pop() if len(groups) == 1 else SHARED_GROUP
        found[unique_id] = result
        return result

    for unique_id, props in nodes.items():
        if props["resource_type"] in (*ASSET_TYPES, "source"):
            domain(unique_id)
    return found


@contextmanager
def _indirect_selection(mode: str | None) -> Iterator[None]:
    saved = os.environ.get("DBT_INDIRECT_SELECTION")
    if mode:
        os.environ["DBT_INDIRECT_SELECTION"] = mode
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DBT_INDIRECT_SELECTION", None)
        else:
            os.environ["DBT_INDIRECT_SELECTION"] = saved


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys are the relations (`marts/nft_scores`, `raw/votes`); groups are the domains. dbt's own
    tests run inside every build (and fail it); the quality suites are the asset checks."""

    def __init__(self, manifest: Mapping[str, Any]):
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=False))
        self._domains = domains_by_node(manifest)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self._domains.get(dbt_resource_props["unique_id"], SHARED_GROUP)


def raw_table_specs(manifest: Mapping[str, Any], translator: WarehouseTranslator) -> list[dg.AssetSpec]:
    """The raw tables, as external assets in their domain: the landing job reports when it fills them."""
    return [
        dg.AssetSpec(
            key=translator.get_asset_key(props),
            group_name=translator.get_group_name(props),
            description=props.get("description") or f"raw.{props['name']}, landed by `warehouse load`",
            kinds={"python"},
        )
        for props in manifest["sources"].values()
    ]


def asset_nodes(manifest: Mapping[str, Any], translator: WarehouseTranslator) -> dict[dg.AssetKey, tuple[str, str]]:
    """Asset key -> (resource type, node name) of every model, seed and snapshot."""
    return {
        translator.get_asset_key(props): (props["resource_type"], props["name"])
        for props in manifest["nodes"].values()
        if props["resource_type"] in ASSET_TYPES
    }


def warehouse_dbt_assets(manifest: Mapping[str, Any], translator: WarehouseTranslator) -> dg.AssetsDefinition:
    """The dbt nodes as one subsettable multi-asset (specs from dagster-dbt), with the suites as its checks."""
    nodes = asset_nodes(manifest, translator)
    keys_by_node = {node: key for key, node in nodes.items()}
    models, _ = manifest_relations(dict(manifest))
    keys_by_relation = {models[name]: key for key, (_, name) in nodes.items() if name in models}

    specs = build_dbt_asset_specs(manifest=manifest, dagster_dbt_translator=translator)
    every_key = {spec.key for spec in specs}

    @dg.multi_asset(
        name="warehouse_dbt",
        specs=specs,
        check_specs=quality_check_specs(manifest, keys_by_relation),
        can_subset=True,
    )
    def warehouse_dbt(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Any]:
        target = warehouse.target()
        selected = set(context.selected_asset_keys)
        everything = selected >= every_key
        select = None if everything else sorted(nodes[key][1] for key in selected if key in nodes)
        context.log.info(
            f"building on {target.describe()}: " + ("every node" if everything else f"{len(select)} nodes")
        )
        try:
            # a subset runs the tests of its own nodes only, not another domain's tests that merely read one
            with _indirect_selection(None if everything else "cautious"):
                report = build(target, select=select, audit=True)
        except WarehouseBusy as error:
            retry_if_transient(context, error)
            raise
        built = 0
        for node in report.nodes:
            key = keys_by_node.get((node.resource_type, node.name))
            if key is not None and key in selected and node.status == "success":
                built += 1
                yield dg.MaterializeResult(
                    asset_key=key, metadata={"dbt_status": node.status, "seconds": round(node.seconds, 3)}
                )
        if report.quality is not None:
            yield from check_results(report.quality, set(context.selected_asset_check_keys), keys_by_relation)
        failed = [node for node in report.nodes if node.status in ("error", "fail")]
        if not report.success:
            retry_if_transient(context, " ".join([report.error or ""] + [str(node.message) for node in failed]))
            lines = [f"{node.resource_type} {node.name}: {node.message}" for node in failed]
            if report.quality is not None:
                lines += [
                    f"{suite.name} {result.expectation} on {result.relation}"
                    + (f".{result.column}" if result.column else "")
                    + f": {result.observed if result.observed is not None else result.detail}"
                    for suite, result in report.quality.failures()
                    if result.severity == "error"
                ]
            raise dg.Failure(
                description=f"build failed: {report.error}" + (f" ({'; '.join(lines)})" if lines else ""),
                metadata={"failed_nodes": [f"{node.resource_type} {node.name}" for node in failed]},
            )
        published = report.publication.location if report.publication is not None else "nothing"
        context.log.info(
            f"{built} assets materialized, {report.count('pass')} dbt tests passed, audit passed, published {published}"
        )

    return warehouse_dbt
