"""`warehouse build`: dbt build through dbt's programmatic runner, against a chosen target.

On PostgreSQL (no Python models in dbt-postgres) the build is dbt upstream of the Python models, the Python
models run by warehouse.python_steps, then dbt downstream: one call, the same selection as dbt's."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

from warehouse.settings import Target, project_root


@dataclass
class NodeResult:
    name: str
    resource_type: str
    status: str
    seconds: float
    message: str | None = None
    unique_id: str | None = None


@dataclass
class BuildReport:
    success: bool
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None
    quality: object | None = None  # warehouse.quality.QualityRun, when the build ran the audit
    publication: object | None = None  # warehouse.publish.PublishResult, when the audit passed

    def count(self, *statuses: str) -> int:
        return sum(1 for node in self.nodes if node.status in statuses)


@contextmanager
def _environment(values: dict[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def dbt_args(command: str, target: Target, *extra: str) -> list[str]:
    root = str(project_root())
    return [command, "--project-dir", root, "--profiles-dir", root, "--target", target.name, *extra]


def run_dbt(command: str, target: Target, *extra: str, quiet: bool = False, manifest=None) -> BuildReport:
    """Runs one dbt command in-process with the target's connection settings; returns per-node results.
    `manifest`: an already parsed project (dbt then skips parsing)."""
    from dbt.cli.main import dbtRunner

    if target.is_postgres:
        from warehouse.loaders.targets import ensure_database

        ensure_database(target)
    args = dbt_args(command, target, *extra)
    if quiet:
        args = ["--quiet", *args]
    with _environment(target.dbt_env()):
        result = dbtRunner(manifest=manifest).invoke(args)
    nodes = []
    for item in getattr(result.result, "results", None) or []:
        node = item.node
        nodes.append(
            NodeResult(
                node.name,
                str(node.resource_type),
                str(item.status),
                float(item.execution_time or 0),
                item.message,
                node.unique_id,
            )
        )
    error = None if result.success else (str(result.exception) if result.exception else "dbt reported failures")
    return BuildReport(success=bool(result.success), nodes=nodes, error=error)


def build(
    target: Target,
    full_refresh: bool = False,
    select: list[str] | None = None,
    quiet: bool = False,
    exclude: list[str] | None = None,
    audit: bool = False,
    vars: dict | None = None,
) -> BuildReport:
    """dbt build (on PostgreSQL in phases around the Python models: warehouse.python_steps); with `audit`,
    then the expectation suites and — only when dbt and every error-level expectation passed — publication of
    the marts for analysts (write, audit, publish: see publish.py). `vars`: dbt vars for every invocation."""
    selection: list[str] = []
    for selector in select or []:
        selection += ["--select", selector]
    for selector in exclude or []:
        selection += ["--exclude", selector]
    settings = ["--vars", json.dumps(vars)] if vars else []
    if target.is_postgres:
        from warehouse.python_steps.build import build_in_phases

        report = build_in_phases(target, full_refresh, selection, settings, quiet=quiet)
    else:
        flags = ["--full-refresh"] if full_refresh else []
        report = run_dbt("build", target, *flags, *selection, *settings, quiet=quiet)
    if audit and report.success:
        audit_and_publish(target, report)
    return report


def release_duckdb() -> None:
    """Closes the DuckDB database dbt-duckdb keeps open in this process after a run, so the audit and the
    publication can open the build file (DuckDB refuses a second configuration of an open file)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def audit_and_publish(target: Target, report: BuildReport) -> None:
    from warehouse.publish import publish
    from warehouse.quality import run_quality

    if not target.is_postgres:
        release_duckdb()
    try:
        report.quality = run_quality(target)
    except Exception as error:  # a suite that cannot run: nothing is published
        report.success = False
        report.error = f"the expectation suites could not run ({error}); the previous publication stays in place"
        return
    if report.quality.success:
        report.publication = publish(target, audit=report.quality.to_json())
    else:
        report.success = False
        report.error = "error-level expectations failed: the previous publication stays in place"
