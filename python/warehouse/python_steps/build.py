"""The PostgreSQL build in phases: dbt, the Python models, dbt — see runner.py for how nodes are cut."""

from __future__ import annotations

import time

from warehouse.build import BuildReport, NodeResult, _environment, dbt_args, run_dbt, target_partial_parse
from warehouse.progress import DbtProgress
from warehouse.python_steps import runner
from warehouse.settings import Target, project_root


def _invoker(target: Target, manifest):
    from dbt.cli.main import dbtRunner

    dbt = dbtRunner(manifest=manifest)

    def invoke(command: str, *args: str):
        with _environment(target.dbt_env()):
            return dbt.invoke(["--log-level", "none", *dbt_args(command, target, *args)])

    return invoke


def parse(target: Target, settings: list[str]):
    """The project's manifest for this target and vars (relation names, configs, lineage)."""
    from dbt.cli.main import dbtRunner

    with _environment(target.dbt_env()), target_partial_parse(target):
        result = dbtRunner().invoke(["--quiet", *dbt_args("parse", target, *settings)])
    if not result.success:
        raise RuntimeError(f"dbt could not parse the project: {result.exception}")
    return result.result


def build_in_phases(
    target: Target,
    full_refresh: bool,
    selection: list[str],
    settings: list[str],
    quiet: bool = False,
    progress: DbtProgress | None = None,
) -> BuildReport:
    """`dbt build [--full-refresh] <selection> <settings>` on a target whose adapter cannot run the Python
    models: dbt runs the SQL nodes, warehouse.python_steps the Python ones, in dependency order. `selection`:
    --select/--exclude arguments; `settings`: --vars."""
    from warehouse.loaders.targets import ensure_database
    from warehouse.python_steps.engine import PostgresEngine

    ensure_database(target)
    flags = ["--full-refresh", *settings] if full_refresh else settings
    try:
        manifest = parse(target, settings)
        selected = runner.selected_nodes(_invoker(target, manifest), [*selection, *settings])
    except RuntimeError as error:
        return BuildReport(success=False, error=str(error))
    python = runner.python_models(manifest)
    if not python & set(selected):
        return run_dbt("build", target, *flags, *selection, quiet=quiet, manifest=manifest, progress=progress)
    parents = runner.parents_of(manifest)
    nodes: list[NodeResult] = []
    failed: set[str] = set()
    errors: list[str] = []
    engine = None
    try:
        for phase in runner.plan(selected, parents, python):
            blocked = runner.blocked_by(failed, parents)
            todo = [uid for uid in phase.nodes if uid not in failed and not blocked(uid)]
            for uid in phase.nodes:
                if uid not in todo:
                    node = manifest.nodes.get(uid) or manifest.unit_tests[uid]
                    nodes.append(NodeResult(node.name, str(node.resource_type), "skipped", 0.0, "upstream failed", uid))
                    failed.add(uid)
            if not todo:
                continue
            if phase.kind == "dbt":
                selectors = [arg for selector in runner.fqn_selectors(manifest, todo) for arg in ("--select", selector)]
                report = run_dbt(
                    "build",
                    target,
                    *flags,
                    "--indirect-selection",
                    "empty",
                    *selectors,
                    quiet=quiet,
                    manifest=manifest,
                    progress=progress,
                )
                nodes += report.nodes
                if not report.success and not any(result.status in runner._BAD for result in report.nodes):
                    errors.append(report.error or "dbt failed")  # a hook or the invocation itself
                    failed |= set(todo)
                for result in report.nodes:
                    if result.status in runner._BAD and result.unique_id:
                        failed.add(result.unique_id)
                        if result.resource_type in ("test", "unit_test"):  # what it tests: its children skip
                            failed |= set(parents.get(result.unique_id, ()))
                continue
            if engine is None:
                import psycopg2

                engine = PostgresEngine(psycopg2.connect(target.pg_dsn()))
            for uid in todo:
                node = manifest.nodes[uid]
                started = time.perf_counter()
                try:
                    status, message = runner.run_python_model(node, manifest, engine, project_root(), full_refresh)
                except Exception as error:  # reported like a failed dbt node; everything downstream skips
                    status, message = "error", f"{type(error).__name__}: {error}"
                    failed.add(uid)
                seconds = time.perf_counter() - started
                nodes.append(NodeResult(node.name, "model", status, seconds, message, uid))
                if not quiet:
                    print(f"python model {node.relation_name}: {status} ({message}) in {seconds:.2f}s", flush=True)
    finally:
        if engine is not None:
            engine.con.close()
    bad = [node for node in nodes if node.status in ("error", "fail")]
    success = not bad and not errors
    return BuildReport(
        success=success, nodes=nodes, error=None if success else "; ".join(errors) or "dbt reported failures"
    )
