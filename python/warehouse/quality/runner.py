"""`run_quality`: every suite of the chosen layers validated by Great Expectations in the warehouse's engine,
with the GX Data Docs site (static HTML) written as the data-quality report."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from warehouse.quality.engine import add_datasource, ephemeral_context, exception_messages
from warehouse.quality.overview import write_overview
from warehouse.quality.suites import (
    SEVERITIES,
    AssetSpec,
    MissingRelation,
    Relations,
    SuiteSpec,
    load_suites,
    manifest_relations,
)
from warehouse.settings import Target, dbt_target_dir, project_root

SITE_NAME = "warehouse_quality"


@dataclass
class ExpectationResult:
    expectation: str
    severity: str  # "error" or "warn"
    success: bool
    observed: object
    relation: str | None
    column: str | None
    asset: str = ""
    skipped: str | None = None  # why the expectation did not run (it then counts as passed)
    detail: str | None = None  # e.g. GX's exception message
    from_query: bool = False  # the asset is a query over `relation` (and others), not the relation itself


@dataclass
class SuiteResult:
    name: str
    layer: str
    results: list[ExpectationResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(r.success or r.severity != "error" for r in self.results)


@dataclass
class DbtTestFailure:
    """A dbt test that failed in the last dbt run, and the audit relation holding its failing rows."""

    name: str
    status: str
    failures: int | None
    relation: str | None


@dataclass
class QualityRun:
    success: bool
    report_path: Path
    suites: list[SuiteResult]
    seconds: float
    started_at: str
    dbt_failures: list[DbtTestFailure] = field(default_factory=list)
    #: the relations a scoped audit covered (see run_quality); None: every suite ran
    scope: list[str] | None = None
    #: the layers whose suites ran (see run_quality); None: every layer
    layers: list[str] | None = None

    def failures(self) -> list[tuple[SuiteResult, ExpectationResult]]:
        return [(s, r) for s in self.suites for r in s.results if not r.success]

    def to_json(self) -> dict:
        return {
            "success": self.success,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 2),
            "report_path": str(self.report_path),
            "suites": [
                {
                    "name": s.name,
                    "layer": s.layer,
                    "passed": sum(r.success for r in s.results),
                    "failed": [vars(r) | {"observed": _jsonable(r.observed)} for r in s.results if not r.success],
                    "skipped": sum(1 for r in s.results if r.skipped),
                }
                for s in self.suites
            ],
            "dbt_failures": [vars(f) for f in self.dbt_failures],
            "scope": self.scope,
            "layers": self.layers,
        }


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)


def report_dir(target: Target) -> Path:
    """Where the report goes: $WAREHOUSE_QUALITY_PATH, else `<build file>.quality/` beside the DuckDB build file,
    else `target/quality/<database>/` in the project for PostgreSQL."""
    configured = os.environ.get("WAREHOUSE_QUALITY_PATH")
    if configured:
        return Path(configured).resolve()
    if target.is_postgres:
        return project_root() / "target" / "quality" / target.pg_database
    return target.duckdb_path.with_name(target.duckdb_path.name + ".quality")


def last_audit(target: Target) -> dict | None:
    """The summary the last quality run wrote beside its report; None before the first run."""
    path = report_dir(target) / "summary.json"
    return json.loads(path.read_text()) if path.exists() else None


def dbt_test_failures(manifest: dict) -> list[DbtTestFailure]:
    """Failed or erroring tests of the last dbt invocation (run_results.json), with their audit relations."""
    path = dbt_target_dir() / "run_results.json"
    if not path.exists():
        return []
    failures = []
    for result in json.loads(path.read_text()).get("results", []):
        if not result["unique_id"].startswith("test.") or result["status"] not in ("fail", "error"):
            continue
        node = manifest["nodes"].get(result["unique_id"], {})
        relation = node.get("relation_name")
        failures.append(
            DbtTestFailure(
                node.get("name", result["unique_id"]),
                result["status"],
                result.get("failures"),
                relation.replace('"', "") if relation else None,
            )
        )
    return failures


def manifest_path(target: Target) -> Path:
    """The dbt manifest of the project (parsed now if no build has written one)."""
    path = dbt_target_dir() / "manifest.json"
    if not path.exists():
        from warehouse.build import run_dbt

        run_dbt("parse", target, quiet=True)
    return path


def _existing_relations(engine, target: Target) -> dict[str, set[str]]:
    import sqlalchemy as sa

    catalog = "" if target.is_postgres else " and table_catalog = current_database()"
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "select table_schema, table_name, column_name from information_schema.columns "
                f"where table_schema not in ('information_schema', 'pg_catalog'){catalog}"
            )
        ).fetchall()
    existing: dict[str, set[str]] = {}
    for schema, table, column in rows:
        existing.setdefault(f"{schema}.{table}", set()).add(column)
    return existing


REPORT_ENTRIES = ("index.html", "data_docs.html", "summary.json", "validations", "expectations", "static")


def _clear_report(folder: Path) -> None:
    """The previous report goes (only what a run writes: the folder may be one the user named)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in REPORT_ENTRIES:
        entry = folder / name
        if entry.is_dir():
            shutil.rmtree(entry)
        elif entry.exists():
            entry.unlink()


#: Why the audit of a scheduled build skips an asset with `full_audit_only`.
FULL_AUDIT_ONLY = "reads every staged event: runs in the full audit"


def run_quality(
    target: Target, layers: list[str] | None = None, scope: set[str] | None = None, scheduled: bool = False
) -> QualityRun:
    """Validate the suites of `layers` (default all) against `target`; write the report; nothing is changed.
    `scheduled`: the audit of a scheduled build, which skips the assets marked `full_audit_only`.

    `scope` (relations, `schema.name`): only the assets that read one of them — what the build of a selection
    changed — and only the suites with such an asset. The other suites' relations are unchanged since the
    audit of their last publication, so a scoped audit is enough to publish the scope (publish.py)."""
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    specs = load_suites(layers)
    manifest = json.loads(manifest_path(target).read_text())
    models, sources = manifest_relations(manifest)

    context = ephemeral_context()
    out = report_dir(target)
    _clear_report(out)
    context.add_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    datasource = add_datasource(context, target)
    engine = datasource.get_engine()
    try:
        relations = Relations(models, sources, _existing_relations(engine, target))
        suites, pending = _plan(context, datasource, specs, relations, scope, scheduled)
        if pending:
            _validate(context, pending)
    finally:
        # GX validates through an engine of its own (the execution engine's), and its project manager keeps the
        # last context, so both engines' pooled connections are closed here: a read-only DuckDB connection left
        # open would make DuckDB refuse this process the build file for the next build
        engine.dispose()
        datasource.get_execution_engine().engine.dispose()
    success = all(suite.success for suite in suites)
    run = QualityRun(success, out / "index.html", suites, time.perf_counter() - started, started_at)
    run.scope = sorted(scope) if scope is not None else None
    run.layers = list(layers) if layers is not None else None
    run.dbt_failures = dbt_test_failures(manifest)
    if (out / "index.html").exists():  # GX's own index renders only with its CDN scripts: kept beside ours
        (out / "index.html").rename(out / "data_docs.html")
    write_overview(run, out, target.describe())
    (out / "summary.json").write_text(json.dumps(run.to_json(), indent=2))
    return run


def _plan(
    context,
    datasource,
    specs: list[SuiteSpec],
    relations: Relations,
    scope: set[str] | None = None,
    scheduled: bool = False,
):
    """GX assets, suites and validation definitions for every asset that can run (within `scope`, when given:
    the assets reading one of its relations; in a `scheduled` audit, not those marked full_audit_only); skips
    and misses recorded."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suites: list[SuiteResult] = []
    pending = []
    for spec in specs:
        assets = spec.assets if scope is None else [a for a in spec.assets if _reads_any(a, relations, scope)]
        if not assets:
            continue
        suite = SuiteResult(spec.name, spec.layer)
        suites.append(suite)
        for asset in assets:
            if scheduled and asset.full_audit_only:
                _not_run(suite, asset, asset.name, FULL_AUDIT_ONLY, skipped=True)
                continue
            try:
                query, relation = _asset_query(asset, relations)
            except MissingRelation as missing:
                _not_run(suite, asset, str(missing), asset.skip_reason or f"{missing} does not exist: build it first")
                continue
            absent = [c for c in asset.requires_columns if c not in relations.existing.get(relation, set())]
            if absent:
                _not_run(suite, asset, relation, asset.skip_reason or f"{relation} has no column {', '.join(absent)}")
                continue
            name = f"{spec.name}.{asset.name}"
            batch = datasource.add_query_asset(name, query=query).add_batch_definition_whole_table("all")
            gx_suite = context.suites.add(gx.ExpectationSuite(name=name))
            for item in asset.expectations:
                config = ExpectationConfiguration(
                    type=item.type, kwargs=item.kwargs, severity=SEVERITIES[item.severity], meta={"relation": relation}
                )
                gx_suite.add_expectation(config.to_domain_obj())
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
            )
            pending.append((suite, asset, relation, definition))
    return suites, pending


def _reads_any(asset: AssetSpec, relations: Relations, scope: set[str]) -> bool:
    """Whether the asset reads a relation of `scope` (an asset naming a relation this warehouse lacks is kept:
    it reports the miss)."""
    try:
        return bool(scope.intersection(relations.read_by(asset)))
    except MissingRelation:
        return True


def _asset_query(asset: AssetSpec, relations: Relations) -> tuple[str, str]:
    if asset.query:
        query, used = relations.render(asset.query)
        # GX takes a query asset only when it starts with `select`
        return f"select * from ({query}) as {asset.name}", used[0] if used else asset.name
    relation, _ = relations.render(asset.relation)
    return f"select * from {relation}", relation


def _not_run(suite: SuiteResult, asset: AssetSpec, relation: str, reason: str, skipped: bool | None = None) -> None:
    """Every expectation of the asset reported as not run: skipped (passes, with the reason) when `skipped`,
    by default when the asset declares a skip_reason; else failed with the reason."""
    skipped = asset.skip_reason is not None if skipped is None else skipped
    for item in asset.expectations:
        suite.results.append(
            ExpectationResult(
                item.type,
                item.severity,
                success=skipped,
                observed=None,
                relation=relation,
                column=item.kwargs.get("column"),
                asset=asset.name,
                skipped=reason if skipped else None,
                detail=None if skipped else reason,
            )
        )


def _validate(context, pending) -> None:
    """One checkpoint over every validation definition, then the Data Docs site built once (GX's
    UpdateDataDocsAction would rebuild the whole site after every validation)."""
    import great_expectations as gx

    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name="warehouse_quality", validation_definitions=[definition for *_, definition in pending])
    )
    result = checkpoint.run()
    context.build_data_docs(site_names=[SITE_NAME])
    by_suite = {run.suite_name: run for run in result.run_results.values()}
    for suite, asset, relation, definition in pending:
        validation = by_suite[definition.suite.name]
        for item, outcome in zip(asset.expectations, _ordered(validation, definition), strict=True):
            suite.results.append(
                ExpectationResult(
                    item.type,
                    item.severity,
                    success=bool(outcome.success),
                    observed=_observed(outcome.result or {}),
                    relation=relation,
                    column=item.kwargs.get("column"),
                    asset=asset.name,
                    detail="; ".join(exception_messages(outcome.exception_info)) or None,
                    from_query=asset.query is not None,
                )
            )


def _ordered(validation, definition):
    """The validation's results in the suite's expectation order (GX may reorder them)."""
    by_id = {r.expectation_config.id: r for r in validation.results}
    return [by_id[e.id] for e in definition.suite.expectations]


def _observed(result: dict):
    if "observed_value" in result:
        return result["observed_value"]
    if result.get("unexpected_count") is not None:
        sample = result.get("partial_unexpected_list") or []
        total = result.get("element_count")
        text = f"{result['unexpected_count']:,} unexpected"
        if total is not None:
            text += f" of {total:,}"
        if result["unexpected_count"] and sample:
            text += f", e.g. {', '.join(map(str, sample[:3]))}"
        return text
    return None
