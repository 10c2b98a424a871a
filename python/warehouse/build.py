"""`warehouse build`: dbt build through dbt's programmatic runner, against a chosen target.

On PostgreSQL (no Python models in dbt-postgres) the build is dbt upstream of the Python models, the Python
models run by warehouse.python_steps, then dbt downstream: one call, the same selection as dbt's."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warehouse.locking import hold_warehouse
from warehouse.progress import DbtProgress
from warehouse.quality.worker import QualityWorker, quality_worker
from warehouse.settings import Target, dbt_target_dir, project_root

#: What a build is made of: the project's code and configuration (the raw data is read from the warehouse).
PROJECT_INPUTS = (
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests/dbt",
    "dbt_project.yml",
    "profiles.yml",
    "selectors.yml",
)


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
    #: set when the build did not run dbt: nothing landed and nothing in the project changed since the last one
    up_to_date: bool = False
    quality: object | None = None  # warehouse.quality.QualityRun, when the build ran the audit
    publication: object | None = None  # warehouse.publish.PublishResult, when the audit passed
    #: whole builds: whether every data test read every row (see build()); None for a selection
    full_audit: bool | None = None
    #: why a scheduled build ran the full audit (full_audit_due), when that was the reason
    full_audit_reason: str | None = None

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


#: dbt's partial-parse state, which it writes in its target path after every parse and reads before the next.
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
#: How many warehouses' partial-parse states a target path keeps (the least recently used go first).
KEPT_PARTIAL_PARSES = 8


@contextmanager
def target_partial_parse(target: Target):
    """dbt keeps one partial-parse state per target path, valid for one warehouse: its profile hash holds the
    connection's values (the DuckDB file, the PostgreSQL database), so a run on another warehouse parsed the
    whole project again (about 10 s) and left its own state, and every switch paid that twice. Each
    warehouse's state is kept beside dbt's (`partial_parse.<target>-<digest of the warehouse>.msgpack`, the
    KEPT_PARTIAL_PARSES used last) and put in place before dbt runs; dbt checks it as ever (project files,
    vars, profile) and parses what no longer fits."""
    folder = dbt_target_dir()
    digest = hashlib.sha256(target.describe().encode()).hexdigest()[:12]
    current, kept = folder / PARTIAL_PARSE_FILE, folder / f"partial_parse.{target.name}-{digest}.msgpack"
    if kept.exists():
        _copy_whole(kept, current)
    try:
        yield
    finally:
        if current.exists():
            _copy_whole(current, kept)
            _forget_least_recent(folder.glob("partial_parse.*-*.msgpack"), KEPT_PARTIAL_PARSES)


def _forget_least_recent(files, keep: int) -> None:
    """Removes all but the `keep` files written last (another process may be removing some too)."""
    written = []
    for path in files:
        try:
            written.append((path.stat().st_mtime_ns, path))
        except FileNotFoundError:
            pass
    for _, path in sorted(written, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


def _copy_whole(source: Path, destination: Path) -> None:
    """A copy that a reader sees whole or not at all (written beside, then renamed over)."""
    handle, partial = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    os.close(handle)
    shutil.copyfile(source, partial)
    shutil.copymode(source, partial)
    os.replace(partial, destination)


def dbt_args(command: str, target: Target, *extra: str) -> list[str]:
    root = str(project_root())
    return [command, "--project-dir", root, "--profiles-dir", root, "--target", target.name, *extra]


def run_dbt(
    command: str,
    target: Target,
    *extra: str,
    quiet: bool = False,
    env: dict[str, str] | None = None,
    progress: DbtProgress | None = None,
    manifest=None,
) -> BuildReport:
    """Runs one dbt command in-process with the target's connection settings (and `env`); returns per-node
    results. `manifest`: an already parsed project (dbt then skips parsing).

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
    # with a parsed `manifest` dbt reads no partial-parse state, so none is put in place or kept
    parse_state = target_partial_parse(target) if manifest is None else nullcontext()
    with _environment({**target.dbt_env(), **(env or {})}), parse_state:
        result = dbtRunner(manifest=manifest, callbacks=[progress] if progress is not None else None).invoke(args)
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


def project_fingerprint() -> str:
    """A digest of the project's files and the dbt-relevant settings of the environment."""
    digest = hashlib.sha256()
    root = project_root()
    for name in PROJECT_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    digest.update(
        json.dumps(sorted((k, v) for k, v in os.environ.items() if k.startswith(("WAREHOUSE_", "DBT_")))).encode()
    )
    return digest.hexdigest()


def inputs_fingerprint(target: Target, project: str | None = None) -> str:
    """A digest of everything a build reads: the project (`project`, its project_fingerprint when already
    computed), and per raw table its row count and newest loaded_at (loaders only append or upsert, always
    stamping loaded_at)."""
    from warehouse.loaders.targets import open_warehouse

    digest = hashlib.sha256((project or project_fingerprint()).encode())
    if not target.is_postgres:
        release_duckdb()  # dbt-duckdb's open database has another configuration
    warehouse = open_warehouse(target)
    try:
        columns = warehouse.fetch(
            "select table_name, column_name from information_schema.columns where table_schema = 'raw' "
            "order by table_name, column_name"
        )
        tables: dict[str, set[str]] = {}
        for table, column in columns:
            tables.setdefault(table, set()).add(column)
        for table, names in sorted(tables.items()):
            newest = "max(loaded_at)" if "loaded_at" in names else "null"
            digest.update(repr((table, warehouse.fetch(f"select count(*), {newest} from raw.{table}"))).encode())
    finally:
        warehouse.close()
    return digest.hexdigest()


def _state_file(name: str) -> Path:
    """A record the builds keep next to dbt's artifacts, one entry per target (Target.describe())."""
    return dbt_target_dir() / name


def _recalled(name: str, target: Target):
    try:
        return json.loads(_state_file(name).read_text()).get(target.describe())
    except (OSError, ValueError):
        return None


def _remember(name: str, target: Target, value) -> None:
    path = _state_file(name)
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    known[target.describe()] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2) + "\n")


#: The last successful whole build's inputs_fingerprint, per target.
LAST_BUILD = "last_build.json"
#: The last whole build whose every data test read every row and passed: {"project": project_fingerprint(),
#: "at": ISO time}, per target.
LAST_FULL_AUDIT = "last_full_audit.json"
#: A scheduled build runs the full audit when the last one is at least this old (hours).
FULL_AUDIT_EVERY_HOURS = 24.0


def full_audit_interval() -> timedelta:
    """WAREHOUSE_FULL_AUDIT_EVERY_HOURS, or FULL_AUDIT_EVERY_HOURS."""
    text = os.environ.get("WAREHOUSE_FULL_AUDIT_EVERY_HOURS", "").strip()
    try:
        hours = float(text) if text else FULL_AUDIT_EVERY_HOURS
    except ValueError:
        raise ValueError(
            f"WAREHOUSE_FULL_AUDIT_EVERY_HOURS={text!r} is not a number of hours; set it to e.g. 24, or unset it"
        ) from None
    return timedelta(hours=hours)


def _full_audit_record(target: Target) -> dict | None:
    last = _recalled(LAST_FULL_AUDIT, target)
    return last if isinstance(last, dict) and "at" in last else None


def full_audit_due(target: Target, project: str) -> str | None:
    """Why a scheduled whole build must run the full audit, or None when the scoped tests suffice: never
    run on this target, the project (`project`, its project_fingerprint) changed since, or older than
    full_audit_interval()."""
    interval = full_audit_interval()
    last = _full_audit_record(target)
    if last is None:
        return "no full audit on record"
    if last.get("project") != project:
        return "the project changed since the last full audit"
    age = _now() - datetime.fromisoformat(last["at"])
    if age >= interval:
        return f"the last full audit is {age.total_seconds() / 3600:.1f} h old"
    return None


def last_full_audit(target: Target) -> datetime | None:
    last = _full_audit_record(target)
    return datetime.fromisoformat(last["at"]) if last is not None else None


#: selectors.yml: what a whole build runs between two full audits — on PostgreSQL, and on DuckDB without the
#: views (scheduled_build_selector).
SCHEDULED_BUILD_SELECTOR = "scheduled_build"
SCHEDULED_BUILD_KEEPING_VIEWS_SELECTOR = "scheduled_build_keeping_views"


def scheduled_build_selector(target: Target) -> str:
    """A scheduled build runs between two full audits of the same project, so its views are as the last
    full audit created them. DuckDB binds a view's names when it is read, so the views outlive the rebuilt
    tables under them and are left out; PostgreSQL's dbt drops a replaced table with its views (cascade), so
    they are created again."""
    return SCHEDULED_BUILD_SELECTOR if target.is_postgres else SCHEDULED_BUILD_KEEPING_VIEWS_SELECTOR


#: The expectation suites a whole build runs between two full audits: those of the layer it publishes. The
#: suites of raw, staging and intermediate read every row of their layers (distributions, balances), and
#: run with the full audit.
SCHEDULED_AUDIT_LAYERS = ["marts"]


def build(
    target: Target,
    full_refresh: bool = False,
    select: list[str] | None = None,
    quiet: bool = False,
    exclude: list[str] | None = None,
    full_audit: bool = False,
    force: bool = False,
    progress: DbtProgress | None = None,
    audit: bool = False,
    vars: dict | None = None,
) -> BuildReport:
    """`dbt build`. The data tests of a model over append-only events (`meta.test_scope_column`) check
    only the rows added since they last passed; the other tests read whole tables, so a scheduled whole
    build leaves them to the full audit, which runs every test on every row: on `full_audit`, on
    `full_refresh`, and in a whole build when full_audit_due (never run, the project changed, or older
    than WAREHOUSE_FULL_AUDIT_EVERY_HOURS). A build of a selection runs all of its tests.
    With `audit`, then the expectation suites and — only when dbt and every error-level expectation
    passed — publication of the marts for analysts (write, audit, publish: see publish.py).

    A whole build (no selection) that finds nothing landed and nothing changed in the project since the
    last successful whole build returns at once (`up_to_date`: the last build's audit and publication
    stand); `force` builds anyway. On PostgreSQL dbt runs in phases around the Python models
    (warehouse.python_steps). `vars`: dbt vars for every invocation."""
    whole = not (select or exclude)
    # a scheduled build's short audit would wait seconds for Great Expectations' import: it is made in a process
    # started first, which imports while the checks below and dbt's start run on one core (a build found up to
    # date or due for the full audit stops it unasked)
    maybe_scheduled = audit and whole and not (full_audit or full_refresh)
    with hold_warehouse(target, "build"), quality_worker() if maybe_scheduled else nullcontext() as started:
        project = project_fingerprint() if whole else None
        # what this build reads (nothing lands while it holds the warehouse), before dbt opens the build file
        fingerprint = None
        if whole:
            try:
                fingerprint = inputs_fingerprint(target, project)
            except Exception:  # a warehouse that cannot be read yet: let dbt build it and report
                pass
        if fingerprint is not None and not (full_refresh or full_audit or force):
            if fingerprint == _recalled(LAST_BUILD, target):
                return BuildReport(success=True, up_to_date=True)
        due = full_audit_due(target, project) if whole and not (full_audit or full_refresh) else None
        full_audit = full_audit or full_refresh or due is not None
        scheduled = whole and not full_audit
        worker = started if scheduled else None
        if started is not None and worker is None:  # a full audit validates in this process
            started.close()
        report = _dbt_build(target, full_refresh, select, quiet, exclude, full_audit, progress, vars)
        report.full_audit = full_audit if whole else None
        report.full_audit_reason = due
        if report.success and whole and full_audit:
            _remember(LAST_FULL_AUDIT, target, {"project": project, "at": _now().isoformat()})
        if audit and report.success:
            audit_and_publish(
                target,
                report,
                scope=None if whole else built_relations(target, report),
                layers=SCHEDULED_AUDIT_LAYERS if scheduled else None,
                scheduled=scheduled,
                worker=worker,
            )
        if report.success and fingerprint is not None:
            _remember(LAST_BUILD, target, fingerprint)
    return report


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _dbt_build(
    target: Target,
    full_refresh: bool,
    select: list[str] | None,
    quiet: bool,
    exclude: list[str] | None,
    full_audit: bool,
    progress: DbtProgress | None,
    vars: dict | None,
) -> BuildReport:
    """dbt build of the selection; a whole build that is not a full audit runs scheduled_build_selector."""
    selection: list[str] = []
    for selector in select or []:
        selection += ["--select", selector]
    for selector in exclude or []:
        selection += ["--exclude", selector]
    settings = ["--vars", json.dumps(vars)] if vars else []
    env = {"WAREHOUSE_FULL_AUDIT": "1" if full_audit else ""}
    if not (full_audit or select or exclude):
        selection = ["--selector", scheduled_build_selector(target)]
    if target.is_postgres:
        from warehouse.python_steps.build import build_in_phases

        with _environment(env):
            return build_in_phases(target, full_refresh, selection, settings, quiet=quiet, progress=progress)
    flags = ["--full-refresh"] if full_refresh else []
    return run_dbt("build", target, *flags, *selection, *settings, quiet=quiet, env=env, progress=progress)


def release_duckdb() -> None:
    """Closes the DuckDB database dbt-duckdb keeps open in this process after a run, so the audit and the
    publication can open the build file (DuckDB refuses a second configuration of an open file)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def built_relations(target: Target, report: BuildReport) -> set[str]:
    """`schema.name` of every model, seed and snapshot the build ran successfully, as the manifest names them."""
    from warehouse.quality.runner import manifest_path
    from warehouse.quality.suites import manifest_relations

    relations, _ = manifest_relations(json.loads(manifest_path(target).read_text()))
    return {
        relations[node.name]
        for node in report.nodes
        if node.resource_type in ("model", "seed", "snapshot") and node.status == "success" and node.name in relations
    }


def audit_and_publish(
    target: Target,
    report: BuildReport,
    scope: set[str] | None = None,
    layers: list[str] | None = None,
    scheduled: bool = False,
    worker: QualityWorker | None = None,
) -> None:
    """The expectation suites (of `layers`, default all), then publication if they pass. `scope`: the
    relations a build of a selection built — only the suites' assets reading them run, and only they are
    published (publish.py). `scheduled`: a scheduled build's audit, without the full_audit_only assets.
    `worker`: the process to validate in (warehouse.quality.worker), else this one. While the worker validates,
    this process stages the publication (both only read the build), and commits it only if the audit passed."""
    from warehouse.publish import stage
    from warehouse.quality import run_quality

    if not target.is_postgres:
        release_duckdb()
    options = {"layers": layers, "scope": scope, "scheduled": scheduled}
    pending = worker.submit_quality(target, **options) if worker is not None else None
    # a scheduled build's publication keeps the parts of the published tables that did not change (publish.py)
    staged = stage(target, scope, incremental=scheduled) if worker is not None else None
    try:
        report.quality = pending.result() if pending is not None else run_quality(target, **options)
    except Exception as error:  # a suite that cannot run: nothing is published
        report.success = False
        report.error = f"the expectation suites could not run ({error}); the previous publication stays in place"
    finally:
        if worker is not None:
            worker.close()  # nothing of it reads the build once the publication is committed
    if report.success and not report.quality.success:
        report.success = False
        report.error = "error-level expectations failed: the previous publication stays in place"
    if not report.success:
        if staged is not None:
            staged.discard()
        return
    staged = staged or stage(target, scope, incremental=scheduled)
    report.publication = staged.commit(report.quality.to_json())
