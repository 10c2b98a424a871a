"""The `warehouse` command: generate, load, build, quality, status, demo."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from warehouse.locking import WarehouseBusy
from warehouse.settings import TARGETS, project_root, target_from_env

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Community analytics warehouse: land raw files, build the dbt project, check data quality.",
)
console = Console()
err = Console(stderr=True)

#: Exit status when another writer holds the warehouse (EX_TEMPFAIL: trying again later can work).
BUSY_EXIT = 75

TargetOption = typer.Option(
    None, "--target", "-t", help=f"Warehouse target: {' or '.join(TARGETS)} (default: $WAREHOUSE_TARGET or duckdb)."
)


def _fail(message: str, hint: str | None = None, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    if hint:
        err.print(f"[dim]{hint}[/]")
    raise typer.Exit(code)


def _fail_unexpected(doing: str, error: BaseException, target, hint: str | None = None) -> None:
    """One line for an error from the warehouse connection (unreachable server, locked file, ...)."""
    from warehouse.errors import describe

    failure = describe(error, target, doing)
    _fail(failure.message, failure.hint or hint, code=failure.code)


def _require_warehouse(target) -> None:
    """Reading commands never create a warehouse: say so when there is none."""
    from warehouse.errors import missing_warehouse

    failure = missing_warehouse(target)
    if failure is not None:
        _fail(failure.message, failure.hint, code=failure.code)


def _target(name: str | None):
    try:
        return target_from_env(name)
    except ValueError as error:
        _fail(str(error), code=2)


@app.command()
def generate(
    scale: str = typer.Option("small", help="tiny, small, standard or large (see benchmarks.md)."),
    seed: int = typer.Option(42, help="Random seed; the same seed gives the same files."),
    out: Path = typer.Option(Path("data/landing"), help="Folder to write the landing files into."),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet for the tabular sources."),
    delta_of: Path | None = typer.Option(None, "--delta-of", help="Write a later batch continuing this world."),
    events: int = typer.Option(10_000, help="With --delta-of: how many new community events."),
) -> None:
    """Write realistic synthetic landing files for all four domains (and their hidden truth)."""
    from warehouse.generate import SCALES, generate_delta, generate_world

    if fmt not in ("csv", "parquet"):
        _fail(f"unknown format {fmt!r}; use csv or parquet", code=2)
    started = time.perf_counter()
    if delta_of is not None:
        if not (delta_of / "truth" / "world.json").exists():
            _fail(
                f"{delta_of} holds no generated world (truth/world.json missing)",
                "point --delta-of at a folder written by `warehouse generate`",
                code=2,
            )
        summary = generate_delta(delta_of, out, events=events, seed=seed, fmt=fmt)
    else:
        if scale not in SCALES:
            _fail(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}", code=2)
        summary = generate_world(scale, seed, out, fmt=fmt)
    table = Table("files", "rows", title=f"generated into {out}")
    groups: dict[str, list[int]] = {}
    for name, rows in summary["files"].items():
        groups.setdefault("roster_*.json" if name.startswith("roster_") else name, []).append(rows)
    for name, rows in groups.items():
        table.add_row(name if len(rows) == 1 else f"{name} ({len(rows)} files)", f"{sum(rows):,}")
    console.print(table)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    console.print(f"{size / 1e6:,.1f} MB in {time.perf_counter() - started:,.1f} s")


@app.command()
def load(
    args: list[str] = typer.Argument(
        ...,
        metavar="DIR | SOURCE PATH...",
        help="A landing folder (files matched by name), or a source name and files.",
    ),
    target: str | None = TargetOption,
) -> None:
    """Land raw files into the `raw` schema: staged, validated, idempotent and atomic."""
    from warehouse.loaders.run import LoadUsageError
    from warehouse.loaders.run import load as run_load

    source = None
    if len(args) > 1 and not Path(args[0]).exists():
        source, args = args[0], args[1:]
    tgt = _target(target)
    try:
        report = run_load(
            [Path(a) for a in args], tgt, source=source, on_progress=lambda message: console.print(f"[dim]{message}[/]")
        )
    except LoadUsageError as error:
        _fail(str(error), "usage: warehouse load DIR  |  warehouse load SOURCE PATH...", code=2)
    except WarehouseBusy as error:
        _fail(str(error), code=BUSY_EXIT)
    except Exception as error:  # a database that cannot be reached, a disk that is full, ...
        _fail_unexpected("load", error, tgt, "nothing this run had not committed was kept; load the same files again")
    _print_load(report)
    if not report.ok:
        if report.partly_committed:
            _fail(report.error, "earlier phases stay committed; load the same files again to complete the load")
        others_landed = any(f.status != "failed" for f in report.files)
        _fail(
            report.error,
            ("the other files landed; " if others_landed else "") + "fix the file named above and load it again",
        )


def _print_load(report) -> None:
    """One line per source (files summed); failed files are named below the table."""
    by_source: dict[str, list] = {}
    for f in report.files:
        by_source.setdefault(f.source, []).append(f)
    table = Table("source", "files", "read", "landed", "rejected", "duplicate", "status", title=f"load {report.run_id}")
    for source, files in sorted(by_source.items()):
        statuses = sorted({f.status for f in files})
        style = "red" if "failed" in statuses else ("dim" if statuses == ["skipped"] else "")
        table.add_row(
            source,
            f"{len(files):,}",
            *(
                f"{sum(getattr(f, n) for f in files):,}"
                for n in ("rows_read", "rows_written", "rows_rejected", "rows_duplicate")
            ),
            ", ".join(f"{sum(f.status == s for f in files)} {s}" if len(files) > 1 else s for s in statuses),
            style=style,
        )
    console.print(table)
    for f in report.files:
        if f.status == "failed":
            err.print(f"[red]{f.file}[/]: {f.error}")
    if report.ignored:
        console.print(f"[dim]ignored (no source matches the name): {', '.join(report.ignored)}[/]")
    if any(f.rows_rejected for f in report.files):
        console.print(f"rejected rows and their reasons are in [bold]raw.rejects[/] (where run_id = '{report.run_id}')")


@app.command()
def build(
    target: str | None = TargetOption,
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Rebuild incremental models from scratch."),
    select: list[str] | None = typer.Option(
        None,
        "--select",
        "-s",
        help="dbt node selection; repeat the option for several (-s a -s b) or quote them ('a b').",
    ),
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="dbt nodes to leave out; repeat the option for several."
    ),
    full_audit: bool = typer.Option(
        False, "--full-audit", help="Every data test reads its whole table (by default, new rows only where scoped)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Build even when nothing landed or changed since the last build."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Stream dbt's own log instead of a progress line."),
    audit: bool = typer.Option(
        True, "--audit/--no-audit", help="After dbt: run the expectation suites and publish the marts if they pass."
    ),
) -> None:
    """Run `dbt build` (models, snapshots, seeds and tests), then audit and publish the marts."""
    tgt = _target(target)
    console.print(f"building on {tgt.describe()}", highlight=False, soft_wrap=True)
    try:
        result = _run_build(
            tgt,
            verbose,
            full_refresh=full_refresh,
            select=select,
            exclude=exclude,
            full_audit=full_audit,
            force=force,
            audit=audit,
        )
    except WarehouseBusy as error:
        _fail(str(error), code=BUSY_EXIT)
    except Exception as error:  # the server cannot be reached, the file cannot be opened, ...
        _fail_unexpected("build", error, tgt)
    if result.up_to_date:
        console.print(
            "nothing landed and nothing in the project changed since the last build: up to date (--force builds anyway)"
        )
        return
    _print_test_scope(result)
    _print_audit(result)
    if result.quality is not None and not result.quality.success:
        _fail(result.error, "the marts analysts read are unchanged; `warehouse quality` reruns the suites")
    if not result.success:
        _fail("build failed", "fix what is listed above and build again; everything dbt did is in the log")


def _run_build(tgt, verbose: bool = False, **options):
    """`warehouse.build.build` with the progress line and the summary of warehouse.progress."""
    from warehouse.build import build as run_build
    from warehouse.progress import DbtProgress, print_summary

    progress = DbtProgress(console, verbose=verbose)
    with progress:
        result = run_build(tgt, progress=progress, **options)
    if not result.up_to_date:
        print_summary(console, result, progress)
    return result


def _print_test_scope(report) -> None:
    """Which data tests a whole build ran: the full audit (and why), or the scoped tests alone."""
    from warehouse.build import SCHEDULED_AUDIT_LAYERS, full_audit_interval

    if report.full_audit is None:
        return
    if report.full_audit:
        reason = f" ({report.full_audit_reason})" if report.full_audit_reason else ""
        console.print(f"full audit{reason}: every data and unit test read every row, and every suite runs")
    else:
        hours = full_audit_interval().total_seconds() / 3600
        console.print(
            "scheduled build: data tests read only the rows new since they last passed and the audit runs the "
            f"suites of the published layer ({', '.join(SCHEDULED_AUDIT_LAYERS)}); tests of whole tables, the "
            "other suites and the assets that read every staged event wait for the full audit "
            f"(every {hours:g} h, when the project changes, or `--full-audit`)"
        )


def _print_audit(report) -> None:
    from warehouse.quality.summary import print_summary

    if report.quality is not None:
        print_summary(console, report.quality, compact=True)
    if report.publication is not None:
        pub = report.publication
        console.print(f"published {len(pub.tables)} tables to {pub.location} ({pub.seconds:.1f} s)", soft_wrap=True)


@app.command()
def quality(
    layer: list[str] | None = typer.Option(
        None, "--layer", "-l", help="raw, staging, intermediate or marts; repeat for several (default: all)."
    ),
    target: str | None = TargetOption,
) -> None:
    """Run the Great Expectations suites and write the data-quality report (GX Data Docs)."""
    from warehouse.quality.suites import LAYERS, SuiteError

    tgt = _target(target)
    unknown = [name for name in layer or [] if name not in LAYERS]
    if unknown:
        _fail(f"unknown layer {', '.join(unknown)}", f"choose from {', '.join(LAYERS)}", code=2)
    try:
        run = _run_quality(tgt, layer or None)
    except SuiteError as error:
        _fail(str(error), "fix the suite file in gx/suites/", code=2)
    if not run.success:
        raise typer.Exit(1)


def _run_quality(tgt, layers: list[str] | None):
    """Runs the suites with a status line, prints the one-screen summary; exits 1 when the warehouse is unreadable."""
    from warehouse.quality import run_quality
    from warehouse.quality.summary import print_summary

    try:
        with console.status(f"running the expectation suites on {tgt.describe()}"):
            run = run_quality(tgt, layers)
    except Exception as error:  # no warehouse yet, a server that is down, ...
        _fail(f"cannot run the expectation suites: {error}", f"target: {tgt.describe()}; run `warehouse build` first")
    print_summary(console, run)
    return run


@app.command()
def status(target: str | None = TargetOption) -> None:
    """Pipeline status: the latest loads and what has landed."""
    from warehouse.loaders.reasons import explain
    from warehouse.status import latest_loads, open_alerts, quality_counts, raw_counts, reject_counts

    tgt = _target(target)
    _require_warehouse(tgt)
    try:
        counts = raw_counts(tgt)
        loads = latest_loads(tgt)
        alerts = open_alerts(tgt)
        rejects = reject_counts(tgt)
        bad_data = quality_counts(tgt)
    except Exception as error:
        _fail_unexpected("reading the warehouse", error, tgt)
    table = Table("raw table", "rows", title=f"raw on {tgt.describe()}")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    runs = Table(title="latest loads", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)  # run ids whole
    runs.add_column("run", no_wrap=True, min_width=max((len(str(row[0])) for row in loads), default=3))
    for name in ("files", "read", "landed", "rejected", "duplicate", "failed"):  # failed: phases that failed
        runs.add_column(name, justify="right")
    for row in loads:
        runs.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    console.print(runs)
    _print_bad_data(rejects, bad_data, explain)
    _print_publication(tgt)
    if alerts is None:
        console.print("[dim]no ingestion alerts yet: run `warehouse build`[/]")
    else:
        table = Table("severity", "alert", "about", "detail", "since", title=f"open ingestion alerts ({len(alerts)})")
        for severity, kind, subject, detail, since in alerts:
            table.add_row(
                severity,
                kind,
                str(subject or ""),
                str(detail or ""),
                str(since),
                style="red" if severity == "critical" else "",
            )
        console.print(table)
    _print_run_failures()


def _print_run_failures() -> None:
    """Failed runs of the orchestrator (`warehouse orchestrate`), recorded by its run-failure sensor."""
    from warehouse.orchestration.failures import failures_file, recent_failures

    failures = recent_failures()
    if not failures:
        return
    table = Table("failed at", "job", "run", "error", title=f"failed orchestrated runs (latest {len(failures)})")
    for entry in failures:
        table.add_row(entry["failed_at"], entry["job"], entry["run_id"][:8], entry["message"], style="red")
    console.print(table)
    console.print(f"[dim]all failures: {failures_file()}; their logs: `warehouse orchestrate`, then Runs[/]")


def _print_bad_data(rejects, bad_data, explain) -> None:
    """Rejected rows per source and reason (what each means, what to do), quarantined rows, inferred members."""
    if rejects:
        table = Table("source", "reason", "rows", "what it means", "what to do", title="rejected rows (raw.rejects)")
        for source, code, rows in rejects:
            meaning, action = explain(code)
            table.add_row(source, code, f"{rows:,}", meaning, action)
        console.print(table)
    else:
        console.print("[dim]no rejected rows[/]")
    quarantined, inferred = bad_data["quarantined"], bad_data["inferred"]
    if quarantined is None:
        console.print("[dim]quarantined rows and inferred members: run `warehouse build`[/]")
        return
    if quarantined:
        table = Table("source", "rule", "rows", title="quarantined rows (ops.quarantined_rows), kept out of the marts")
        for source, rule, rows in quarantined:
            table.add_row(source, rule, f"{rows:,}")
        console.print(table)
    else:
        console.print("[dim]no quarantined rows[/]")
    if inferred:
        table = Table("dimension", "inferred members", title="inferred members (named by facts, row not landed yet)")
        for label, rows in inferred:
            table.add_row(label, f"{rows:,}", style="yellow" if rows else "")
        console.print(table)


def _print_publication(tgt) -> None:
    """What analysts read (published when, from which dbt invocation) and what the last audit found."""
    from warehouse.publish import last_publication
    from warehouse.quality.runner import last_audit

    publication = last_publication(tgt)
    if publication is None:
        console.print("[dim]nothing published yet: `warehouse build` publishes the marts after a passing audit[/]")
    else:
        console.print(
            f"published: {publication['n_tables']} tables at {publication['published_at']:%Y-%m-%d %H:%M:%S} UTC "
            f"to {publication['location']} (dbt invocation {publication['invocation_id']})"
        )
    _print_full_audit(tgt)
    audit = last_audit(tgt)
    if audit is None:
        console.print("[dim]no audit yet: run `warehouse quality`[/]")
        return
    failed = [f for suite in audit["suites"] for f in suite["failed"]]
    errors = sum(1 for f in failed if f["severity"] == "error")
    verdict = "[green]passed[/]" if audit["success"] else f"[red]failed ({errors} error-level)[/]"
    scope = audit.get("scope")
    scoped = f" (scoped to the {len(scope)} relations a build of a selection built)" if scope is not None else ""
    if audit.get("layers") is not None:
        scoped += f" (the {', '.join(audit['layers'])} suites only; every layer's in a full audit)"
    console.print(
        f"last audit: {verdict} at {audit['started_at']}, {len(audit['suites'])} suites{scoped}, "
        f"{len(failed) - errors} warnings; report {audit['report_path']}"
    )


def _print_full_audit(tgt) -> None:
    """When the last full audit passed, and when a whole build runs the next one."""
    from warehouse.build import full_audit_interval, last_full_audit

    passed = last_full_audit(tgt)
    try:
        interval = full_audit_interval()
    except ValueError as error:
        console.print(f"[red]{error}[/]")
        return
    if passed is None:
        console.print("[dim]no full audit on record: the next whole build runs every test and every suite[/]")
        return
    console.print(
        f"last full audit passed at {passed:%Y-%m-%d %H:%M:%S} UTC; a whole build runs the next one from "
        f"{passed + interval:%Y-%m-%d %H:%M:%S} UTC on, or as soon as the project changes "
        "(`warehouse build --full-audit` runs it now)"
    )


@app.command()
def search(
    query: str = typer.Argument(..., help="Free text; matched word by word (case-insensitive)."),
    doc_type: str | None = typer.Option(None, "--type", help="Only project, builder, chain or investor documents."),
    limit: int = typer.Option(10, "--limit", "-n", help="How many results to show."),
    target: str | None = TargetOption,
) -> None:
    """Search projects, builders, chains and investors; prints the best matches ranked by BM25."""
    from warehouse.search import DOC_TYPES, SearchError, SearchUsageError
    from warehouse.search import search as run_search

    tgt = _target(target)
    if doc_type is not None and doc_type not in DOC_TYPES:
        _fail(f"unknown --type {doc_type!r}; choose one of {', '.join(DOC_TYPES)}", code=2)
    _require_warehouse(tgt)
    try:
        hits = run_search(tgt, query, doc_type=doc_type, limit=limit)
    except SearchUsageError as error:
        _fail(str(error), 'usage: warehouse search "QUERY" [--type project|builder|chain|investor] [--limit N]', code=2)
    except SearchError as error:
        _fail(str(error), f"target: {tgt.describe()}; build the warehouse first (`warehouse build`)")
    except Exception as error:  # the server cannot be reached, the file is locked, ...
        _fail_unexpected("search", error, tgt)
    if not hits:
        console.print(f"no matches for {query!r}")
        return
    table = Table("rank", "type", "id", "title", "score", title=f"search: {query}")
    for hit in hits:
        table.add_row(str(hit.rank), hit.doc_type, hit.doc_id, hit.title or "", f"{hit.score:.3f}")
    console.print(table)


@app.command()
def orchestrate(
    port: int = typer.Option(3000, help="Port of the Dagster UI on 127.0.0.1."),
    target: str | None = TargetOption,
) -> None:
    """Start the scheduler and its admin panel (the Dagster UI) on 127.0.0.1: jobs, schedule, sensors, runs."""
    import os
    import signal
    import subprocess

    try:
        import dagster  # noqa: F401
        import dagster_dbt  # noqa: F401
        import dagster_webserver  # noqa: F401
    except ImportError:
        _fail(
            "Dagster is not installed: the scheduler is the optional `orchestration` extra",
            "install it with: pip install -e '.\\[orchestration]' (from the project folder); everything else "
            "works without it",
            code=3,
        )
    from warehouse.orchestration.settings import prepare_dagster_home

    tgt = _target(target)
    home = prepare_dagster_home()
    env = {**os.environ, "DAGSTER_HOME": str(home), "WAREHOUSE_TARGET": tgt.name}
    console.print(f"Dagster UI on http://127.0.0.1:{port} for {tgt.describe()} (DAGSTER_HOME={home}); Ctrl-C stops it")
    command = [sys.executable, "-m", "dagster", "dev", "-m", "warehouse.orchestration.definitions", "-a", "defs"]
    # a shell ignores SIGINT in what it starts in the background (`&`), and the ignoring is inherited: handled
    # here, Dagster's processes get it back, so the SIGINT sent to them below stops them
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # its own session, so that Ctrl-C or a SIGTERM here stops Dagster's webserver and daemon with it
    ui = subprocess.Popen(
        [*command, "-h", "127.0.0.1", "-p", str(port)], env=env, cwd=project_root(), start_new_session=True
    )

    def stop(*_) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        code = ui.wait()
    except KeyboardInterrupt:
        os.killpg(ui.pid, signal.SIGINT)
        try:
            ui.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)
        code = 0
    if code:
        _fail(f"the Dagster UI stopped with exit code {code}", "its log is above; is the port already in use?", code)


@app.command()
def demo(
    target: str | None = TargetOption,
    scale: str = typer.Option("small", help="Scale of the generated data."),
    seed: int = typer.Option(42, help="Random seed."),
) -> None:
    """Generate data, load it, build the warehouse, and say where everything is."""
    from warehouse.generate import generate_world
    from warehouse.loaders.run import load as run_load

    tgt = _target(target)
    landing = project_root() / "data" / "landing"
    console.rule("1. generate")
    with console.status(f"generating {scale} data into {landing}"):
        summary = generate_world(scale, seed, landing)
    console.print(
        f"{sum(summary['files'].values()):,} rows in {len(summary['files'])} files ({summary['seconds']:.1f} s)"
    )
    console.rule("2. load")
    try:
        report = run_load([landing], tgt, on_progress=lambda m: console.print(f"[dim]{m}[/]"))
    except Exception as error:  # another writer, an unreachable server, ...
        _fail_unexpected("load", error, tgt)
    _print_load(report)
    if not report.ok:
        _fail(report.error)
    console.rule("3. build")
    try:
        result = _run_build(tgt)
    except WarehouseBusy as error:
        _fail(str(error), code=BUSY_EXIT)
    except Exception as error:  # another writer, an unreachable server, ...
        _fail_unexpected("build", error, tgt)
    if not result.success:
        _fail("build failed", "fix what is listed above and run the demo again")
    console.rule("4. quality and publication")
    from warehouse.build import audit_and_publish

    audit_and_publish(tgt, result)
    _print_audit(result)
    if not result.success:
        _fail(result.error, f"the data-quality report is {result.quality.report_path}")
    console.rule("done")
    console.print(f"warehouse: {tgt.describe()}", soft_wrap=True)
    console.print(f"data-quality report: {result.quality.report_path}", soft_wrap=True)  # one line: copy it
    console.print(f"analysts read: {result.publication.location}", soft_wrap=True)
    console.print("next, try:")
    for command in next_steps(tgt):
        console.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)


def _runnable(path: Path, name: str) -> str:
    """How to type ``path`` (an executable of this environment) from the working directory: its bare name
    when that is what the shell finds, else its path relative to here (or absolute)."""
    found = shutil.which(name)
    if found and Path(found).resolve() == path.resolve():
        return name
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path.absolute())


def next_steps(target) -> list[str]:
    """Three commands to run after the demo, each as it can be typed in this shell, from this folder."""
    bin_dir = Path(sys.executable).parent
    warehouse = _runnable(bin_dir / "warehouse", "warehouse")
    target_option = " --target postgres" if target.is_postgres else ""
    steps = [f"{warehouse} status{target_option}", f'{warehouse} search "defi lending"{target_option}']
    if target.is_postgres:
        steps.append(f'psql "{target.pg_dsn()}" -c "select * from marts.nft_leaderboard limit 5"')
    else:
        python = _runnable(Path(sys.executable), "python")
        try:
            database = str(target.duckdb_path.relative_to(Path.cwd()))
        except ValueError:
            database = str(target.duckdb_path)
        steps.append(
            f"{python} -c \"import duckdb; print(duckdb.connect('{database}', read_only=True)"
            ".sql('select * from marts.nft_leaderboard limit 5'))\""
        )
    return steps


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
