"""`warehouse build`: dbt build through dbt's programmatic runner, against a chosen target."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field

from warehouse.progress import DbtProgress
from warehouse.settings import Target, project_root


@dataclass
class NodeResult:
    name: str
    resource_type: str
    status: str
    seconds: float
    message: str | None = None


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


def run_dbt(
    command: str, target: Target, *extra: str, quiet: bool = False, progress: DbtProgress | None = None
) -> BuildReport:
    """Runs one dbt command in-process with the target's connection settings; returns per-node results.

    With ``progress`` (see warehouse.progress) the console shows its progress line and dbt's full log goes
    to logs/; otherwise dbt logs as it does on its own (``quiet``: errors only)."""
    from dbt.cli.main import dbtRunner

    if target.is_postgres:
        from warehouse.loaders.targets import ensure_database

        ensure_database(target)
    args = dbt_args(command, target, *extra)
    if progress is not None:
        args = [*args, *progress.dbt_flags()]
    elif quiet:
        args = ["--quiet", *args]
    with _environment(target.dbt_env()):
        result = dbtRunner(callbacks=[progress] if progress is not None else None).invoke(args)
    nodes = []
    for item in getattr(result.result, "results", None) or []:
        node = item.node
        nodes.append(
            NodeResult(
                node.name, str(node.resource_type), str(item.status), float(item.execution_time or 0), item.message
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
    progress: DbtProgress | None = None,
) -> BuildReport:
    extra: list[str] = []
    if full_refresh:
        extra.append("--full-refresh")
    for selector in select or []:
        extra += ["--select", selector]
    for selector in exclude or []:
        extra += ["--exclude", selector]
    return run_dbt("build", target, *extra, quiet=quiet, progress=progress)
