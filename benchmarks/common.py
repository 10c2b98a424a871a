"""Recording benchmark results: machine, versions, medians and ratios, as JSON plus a BENCHMARKS.md table."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from warehouse.loaders.window import REFERENCE_ENV

#: Benchmarks replay generated worlds, which run from 2026-01-01 for their scale's days (to 2027-12-31 for
#: `large`): the loaders' plausible window is measured from after the newest of them, not from today, or every
#: event after today would be rejected as one from the future. Set the variable to measure from another clock.
os.environ.setdefault(REFERENCE_ENV, "2028-01-01T00:00:00Z")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
REPORT = ROOT / "BENCHMARKS.md"


def machine() -> dict:
    versions = {}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "polars", "pyarrow", "psycopg2-binary"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "versions": versions,
    }


def median_seconds(action: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> float:
    """Median wall time of `action` over `repeat` runs, `setup` (untimed) before each."""
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed_warehouse(*args: str, env: dict) -> float:
    """Wall seconds of `warehouse ARGS` in a fresh process, as a user runs it; exits with its output if it fails."""
    started = time.perf_counter()
    finished = subprocess.run(
        [str(Path(sys.executable).parent / "warehouse"), *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"warehouse {' '.join(args)} failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}")
    return seconds


def record(name: str, title: str, rows: list[dict], notes: str = "") -> Path:
    """Writes benchmarks/results/<name>.json and the `<name>` section of BENCHMARKS.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "results": rows,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    header = list(rows[0]) if rows else []
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(_cell(row[h]) for h in header) + " |" for row in rows]
    section = "\n".join(
        [
            f"<!-- {name} -->",
            f"## {title}",
            "",
            f"Measured {payload['measured_at']} on {payload['machine']['cpus']} CPUs, "
            f"Python {payload['machine']['python']}, duckdb {payload['machine']['versions']['duckdb']}. "
            f"Raw figures: `benchmarks/results/{name}.json`.",
            "",
            *table,
            "",
            *([notes, ""] if notes else []),
            f"<!-- /{name} -->",
        ]
    )
    _replace_section(name, section)
    return path


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _replace_section(name: str, section: str) -> None:
    text = (
        REPORT.read_text()
        if REPORT.exists()
        else (
            "# Benchmarks\n\nTargets are in the team's spec (`benchmarks.md`). Each section is rewritten by its "
            "benchmark (`make benchmark`); figures are medians of several runs on a shared, noisy machine.\n"
        )
    )
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    REPORT.write_text(text)
