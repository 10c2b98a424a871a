"""The whole warehouse, step by step, as a scheduled pipeline runs it: wall time, dbt's node times, peak RSS.

    python -m benchmarks.warehouse [--scales standard --scales large] [--events 10000] [--max-rss-gb 8]

For each scale, in a scratch folder (seed 1), every step runs as its own `warehouse` process:

1. `warehouse generate --scale S` (the world) and `warehouse generate --delta-of world --events N` (the next
   batch: N new community events plus new activity in discovery, staking and clans);
2. `warehouse load world` into a fresh DuckDB file;
3. `warehouse build` (the first build: full);
4. `warehouse load delta`, then `warehouse build` (incremental);
5. `warehouse build` again (nothing new: the no-op build).

The first build is a full audit (no audit on record yet); the incremental build is a scheduled one (see
`warehouse.build.build`). Generated `standard` and `large` worlds run past today's date, so every load takes
a time after the world's end as its load time (WAREHOUSE_LANDING_REFERENCE_AT, unless set).

Each step reports its wall time and peak RSS: the larger of the kernel's figure (the rusage of the waited-for
process: its largest process) and the largest sum over its process tree, sampled every 0.25 s (a scheduled
build validates in a second process while dbt runs: warehouse.quality.worker); each build also reports dbt's
node times from `run_results.json`, summed by kind (models, data and unit tests, seeds, hooks) with the
slowest nodes, and the time outside the nodes
(process start, parsing, manifest: the wall time minus dbt's elapsed time). dbt's target folder is kept
between the builds of one warehouse, as a scheduled build keeps it (partial parsing).

A watchdog stops a step whose resident memory (its process tree) exceeds --max-rss-gb, so that a step that
is not yet bounded cannot take the machine down; such a step is reported as `killed`.
Ratios (incremental / full, no-op / full, large / standard) are computed within one run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import typer

from benchmarks.common import record
from warehouse.generate.clock import WORLD_START
from warehouse.generate.scales import SCALES

app = typer.Typer(add_completion=False)
WAREHOUSE = str(Path(sys.executable).parent / "warehouse")
#: Days past a generated world's end that its loads take as the load time (a 10k-event delta spans hours).
DELTA_DAYS_MARGIN = 30
EVENT_TABLES = ("votes", "sliders", "fires", "upvotes", "messages", "epochs")


@dataclass
class Step:
    name: str
    wall_s: float
    peak_rss_mb: float
    status: str
    dbt: dict = field(default_factory=dict)


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def run_step(name: str, argv: list[str], env: dict[str, str], max_rss_bytes: int, log: Path) -> Step:
    """Runs one step in a fresh process; wall time and peak RSS: the larger of the kernel's (wait4's rusage:
    the largest process of the tree) and the largest sum over the tree sampled every 0.25 s."""
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        killed, ended = threading.Event(), threading.Event()
        tree_peak = [0]

        def watch() -> None:
            # until wait4 below has reaped the process: polling it here would reap it first (and wait4 would find
            # no child)
            while not ended.is_set():
                tree = _tree_rss_bytes(process.pid)
                tree_peak[0] = max(tree_peak[0], tree)
                if tree > max_rss_bytes:
                    killed.set()
                    os.killpg(process.pid, 9)
                    return
                ended.wait(0.25)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(process.pid, 0)
        ended.set()
        watcher.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
    outcome = "killed (memory)" if killed.is_set() else ("ok" if process.returncode == 0 else "failed")
    # the kernel's figure is the largest single process of the tree; processes running at once (the build and
    # its audit worker) add up, which the watchdog's samples of the whole tree see
    step = Step(name, round(wall, 2), round(max(usage.ru_maxrss * 1024, tree_peak[0]) / 2**20, 1), outcome)
    print(f"  {name:<22} {outcome:<8} {wall:8.1f} s  peak RSS {step.peak_rss_mb:8.0f} MB", flush=True)
    if outcome != "ok":
        print("    " + "\n    ".join(log.read_text().splitlines()[-15:]), flush=True)
    return step


def dbt_times(target_path: Path, wall_s: float) -> dict:
    """dbt's own accounting of one build, from run_results.json."""
    results_file = target_path / "run_results.json"
    if not results_file.exists():
        return {}
    payload = json.loads(results_file.read_text())
    kinds: dict[str, float] = {}
    nodes = []
    for result in payload["results"]:
        kind = result["unique_id"].split(".")[0]
        kind = {"test": "tests", "unit_test": "unit_tests", "model": "models", "seed": "seeds"}.get(kind, "hooks")
        kinds[kind] = kinds.get(kind, 0.0) + result["execution_time"]
        nodes.append((result["unique_id"].split(".")[-1], kind, result["execution_time"]))
    elapsed = payload.get("elapsed_time") or 0.0
    slowest = sorted(nodes, key=lambda node: -node[2])[:6]
    return {
        **{f"{kind}_s": round(seconds, 2) for kind, seconds in sorted(kinds.items())},
        "n_nodes": len(nodes),
        "n_tests": sum(1 for _, kind, _ in nodes if kind == "tests"),
        "dbt_elapsed_s": round(elapsed, 2),
        "outside_nodes_s": round(wall_s - elapsed, 2),
        "slowest": ", ".join(f"{name} {seconds:.1f}s" for name, _, seconds in slowest),
    }


def partial_parse_used(log_path: Path) -> bool | None:
    """Whether the latest dbt invocation re-used the saved manifest (dbt logs why when it does not)."""
    log = log_path / "dbt.log"
    if not log.exists():
        return None
    text = log.read_text(errors="replace")
    last = text.rsplit("Running with dbt=", 1)[-1]
    return not any(
        marker in last
        for marker in (
            "Unable to do partial parsing",
            "Partial parsing not enabled",
            "partial parse save file not found",
        )
    )


def queue_read_ms(path: Path, repeat: int = 5) -> dict:
    """The trigger check: reading ops.pipeline_dirty_nfts whole, in a fresh connection; median milliseconds."""
    import statistics

    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        times, rows = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            rows = len(con.sql("select * from ops.pipeline_dirty_nfts").fetchall())
            times.append((time.perf_counter() - started) * 1000)
    finally:
        con.close()
    return {"median_ms": round(statistics.median(times), 1), "rows": rows}


def _count_events(path: Path) -> int:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(sum(con.sql(f"select count(*) from raw.{table}").fetchone()[0] for table in EVENT_TABLES))
    finally:
        con.close()


def bench_scale(scale: str, events: int, work: Path, max_rss_bytes: int, keep: bool = False) -> dict:
    folder = work / scale
    folder.mkdir(parents=True)
    world, delta, database = folder / "world", folder / "delta", folder / "warehouse.duckdb"
    dbt_target, dbt_logs = folder / "dbt_target", folder / "dbt_logs"
    env = {
        **os.environ,
        "WAREHOUSE_TARGET": "duckdb",
        "WAREHOUSE_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(dbt_target),
        "DBT_LOG_PATH": str(dbt_logs),
        # generated worlds run from WORLD_START for the scale's days, past today's date on standard and large:
        # the loads measure after the world and its delta, with every event inside the plausible window
        "WAREHOUSE_LANDING_REFERENCE_AT": os.environ.get("WAREHOUSE_LANDING_REFERENCE_AT")
        or (WORLD_START + timedelta(days=SCALES[scale].days + DELTA_DAYS_MARGIN)).isoformat(),
    }
    steps: list[Step] = []
    print(f"{scale}:", flush=True)

    def step(name: str, *args: str) -> Step:
        (dbt_target / "run_results.json").unlink(missing_ok=True)  # a build that skips dbt leaves none
        done = run_step(name, [WAREHOUSE, *args], env, max_rss_bytes, folder / f"{name}.log")
        if args[0] == "build":
            done.dbt = dbt_times(dbt_target, done.wall_s)
            if keep and (dbt_target / "run_results.json").exists():
                shutil.copy(dbt_target / "run_results.json", folder / f"{name}.run_results.json")
            if done.dbt:
                done.dbt["partial_parse"] = partial_parse_used(dbt_logs)
        steps.append(done)
        return done

    plan = [
        ("generate", "generate", "--scale", scale, "--seed", "1", "--out", str(world)),
        ("generate_delta", "generate", "--delta-of", str(world), "--events", str(events), "--out", str(delta)),
        ("load", "load", str(world)),
        ("full_build", "build"),
        ("load_delta", "load", str(delta)),
        ("incremental_build", "build"),
        ("noop_build", "build"),
    ]
    queue_reads = {}
    for name, *args in plan:
        if step(name, *args).status != "ok":
            break
        if name in ("full_build", "load_delta", "incremental_build"):
            queue_reads[f"after_{name}"] = queue_read_ms(database)
    history = _count_events(database) if database.exists() and steps[-1].status == "ok" else None
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "scale": scale,
        "events": events,
        "history_events": history,
        "steps": [asdict(s) for s in steps],
        "queue_read_ms": queue_reads,
    }


def summarize(results: list[dict]) -> list[dict]:
    rows = []
    base_incremental = None
    for result in results:
        by_name = {s["name"]: s for s in result["steps"]}
        full = by_name.get("full_build", {}).get("wall_s")
        incremental = by_name.get("incremental_build", {}).get("wall_s")
        noop = by_name.get("noop_build", {}).get("wall_s")
        load = by_name.get("load", {})
        if base_incremental is None:
            base_incremental = incremental
        rows.append(
            {
                "scale": result["scale"],
                "history_events": result["history_events"] or "-",
                "full_build_s": full or "-",
                "incremental_build_s": incremental or "-",
                "incremental_vs_full": round(incremental / full, 3) if full and incremental else "-",
                f"incremental_vs_{results[0]['scale']}": (
                    round(incremental / base_incremental, 3) if incremental and base_incremental else "-"
                ),
                "noop_build_s": noop or "-",
                "noop_vs_full": round(noop / full, 3) if full and noop else "-",
                "load_s": load.get("wall_s", "-"),
                "queue_read_ms": ", ".join(
                    f"{when.removeprefix('after_')} {read['median_ms']}"
                    for when, read in result.get("queue_read_ms", {}).items()
                )
                or "-",
                "peak_rss_mb": ", ".join(
                    f"{s['name']} {s['peak_rss_mb']:,.0f}" + ("" if s["status"] == "ok" else f" ({s['status']})")
                    for s in result["steps"]
                ),
            }
        )
    return rows


def step_rows(results: list[dict]) -> list[dict]:
    rows = []
    for result in results:
        for s in result["steps"]:
            d = s["dbt"]
            rows.append(
                {
                    "scale": result["scale"],
                    "step": s["name"],
                    "status": s["status"],
                    "wall_s": s["wall_s"],
                    "peak_rss_mb": s["peak_rss_mb"],
                    "models_s": d.get("models_s", "-"),
                    "tests_s": d.get("tests_s", "-"),
                    "unit_tests_s": d.get("unit_tests_s", "-"),
                    "hooks_s": d.get("hooks_s", "-"),
                    "outside_nodes_s": d.get("outside_nodes_s", "-"),
                    "partial_parse": {True: "yes", False: "no", None: "-"}[d.get("partial_parse")] if d else "-",
                    "slowest_nodes": d.get("slowest", "-"),
                }
            )
    return rows


def write_report(results: list[dict], events: int, baseline: list[dict] | None = None, comment: str = "") -> None:
    """The `warehouse` and `warehouse_steps` sections of BENCHMARKS.md and benchmarks/results/warehouse.json;
    with `baseline` (the raw figures of an earlier run, e.g. of the code before a change) shown beside."""
    runs = [("before", baseline), ("after", results)] if baseline else [("", results)]
    summary, steps = [], []
    for label, figures in runs:
        for row in summarize(figures):
            summary.append({"run": label, **row} if label else row)
        for row in step_rows(figures):
            steps.append({"run": label, **row} if label else row)
    settings = {
        k: v for k, v in os.environ.items() if k.startswith("WAREHOUSE_DUCKDB_") and k != "WAREHOUSE_DUCKDB_PATH"
    }
    notes = (
        f"Seed 1, DuckDB, {events:,} new community events (`warehouse generate --delta-of`, with new activity in "
        "every domain). Each step is one `warehouse` process; wall time and peak RSS (the larger of the kernel's "
        "rusage, the largest process of the step, and the largest sum over its processes sampled every 0.25 s) per "
        "step, single runs (a build cannot be repeated on the same state), ratios within one run. The second table "
        "has dbt's node times from `run_results.json` summed by kind (nodes run on 2 threads, "
        "so they add up to more than the wall time); outside_nodes_s = wall − dbt's elapsed time (process start, "
        "parsing, the expectation suites, publication). The full build is a full audit (every data and unit test "
        "on every row, every suite), the incremental build a scheduled one (the tests scoped to new rows, the "
        "marts suites). Loads take a time past the world's end as the load time. "
        + (f"Settings: {settings}. " if settings else "")
        + (comment + " " if comment else "")
        + "Targets: incremental ≤ 35% of full on standard, ≤ 10% on large; large incremental ≤ 1.3× standard; "
        "no-op ≤ 25% of full on standard; full standard ≤ 60 s; peak RSS ≤ 3 GB per step on large."
    )
    path = record("warehouse", "Whole warehouse: full, incremental (10k new events) and no-op builds", summary, notes)
    record(
        "warehouse_steps",
        "Whole warehouse, per step: wall time, peak RSS and dbt's node times",
        steps,
        "dbt figures are blank for a build that did not run dbt (up to date). Every run's raw figures: "
        "`benchmarks/results/warehouse.json`.",
    )
    payload = json.loads(path.read_text())
    payload["runs"] = {label or "run": figures for label, figures in runs}
    path.write_text(json.dumps(payload, indent=2) + "\n")


@app.command()
def main(
    scales: list[str] = typer.Option(
        ["standard", "large"],
        "--scales",
        help="Scales to run, in this order (repeat the option: --scales standard --scales large).",
    ),
    events: int = typer.Option(10_000, help="New community events in the delta."),
    max_rss_gb: float = typer.Option(8.0, help="Stop a step whose process tree holds more resident memory."),
    work_dir: Path | None = typer.Option(None, help="Scratch folder (default: a new temporary one)."),
    no_record: bool = typer.Option(False, "--no-record", help="Print only (smoke runs)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the raw figures to this file."),
    baseline: Path | None = typer.Option(
        None, help="Raw figures (--json) of an earlier run, e.g. of the code before a change, to show beside."
    ),
    comment: str = typer.Option("", help="A sentence for the notes (e.g. what the baseline is)."),
    keep: bool = typer.Option(False, "--keep", help="Keep the scratch folder (worlds, warehouses) to look into."),
) -> None:
    """Whole-warehouse benchmark: generate, load, full / incremental / no-op build, per step."""
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="warehouse-bench-", dir=work_dir))
    try:
        results = [bench_scale(scale, events, work, int(max_rss_gb * 2**30), keep) for scale in scales]
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    for row in summarize(results):
        print(row)
    if json_out is not None:
        json_out.write_text(json.dumps(results, indent=2) + "\n")
    if not no_record:
        write_report(results, events, json.loads(baseline.read_text()) if baseline else None, comment)


if __name__ == "__main__":
    app()
