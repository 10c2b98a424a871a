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
    vars: dict | None = None,
) -> BuildReport:
    selection: list[str] = []
    for selector in select or []:
        selection += ["--select", selector]
    for selector in exclude or []:
        selection += ["--exclude", selector]
    settings = ["--vars", json.dumps(vars)] if vars else []
    if target.is_postgres:
        from warehouse.python_steps.build import build_in_phases

        return build_in_phases(target, full_refresh, selection, settings, quiet=quiet)
    flags = ["--full-refresh"] if full_refresh else []
    return run_dbt("build", target, *flags, *selection, *settings, quiet=quiet)
