"""How every command that runs dbt reports it: a live progress line while it runs, one summary after.

- dbt's own log always goes in full (debug level, no colour codes) to ``logs/dbt.log`` of the project
  (or ``$DBT_LOG_PATH/dbt.log``); the terminal shows one progress line (nodes done/total, the nodes
  running, elapsed time) — or, with ``verbose``, dbt's own log lines as they come.
- The summary says what was built, tested, warned about, failed and skipped, one line per failure with
  dbt's message, and where the full log is. Colour only on a terminal (rich decides; dbt is told).

Use::

    progress = DbtProgress(console, verbose=False)
    with progress:
        report = run_dbt("build", target, progress=progress)
    print_summary(console, report, progress)
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from warehouse.settings import project_root

BUILT = ("model", "seed", "snapshot")
FAILED = ("error", "fail", "runtime error")
MAX_LISTED = 10  # failures and warnings listed one per line; more are counted, and are in the log


class NodeOutcome(Protocol):
    name: str
    resource_type: str
    status: str
    message: str | None


class Outcome(Protocol):
    success: bool
    error: str | None
    nodes: list


def log_dir() -> Path:
    """logs/ of the project, or dbt's own setting DBT_LOG_PATH when it is set."""
    configured = os.environ.get("DBT_LOG_PATH")
    return Path(configured) if configured else project_root() / "logs"


def log_file() -> Path:
    """The full log of the latest dbt invocation (dbt appends; each run starts with its version line)."""
    return log_dir() / "dbt.log"


class DbtProgress:
    """Follows one or more dbt invocations through their events (a `dbtRunner` callback)."""

    def __init__(self, console: Console, verbose: bool = False, description: str = "dbt build") -> None:
        self.console = console
        self.verbose = verbose
        self.description = description
        self.started = time.perf_counter()
        self._running: dict[str, str] = {}
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._task: Any = None
        self.live = console.is_terminal and not verbose

    def dbt_flags(self) -> list[str]:
        """Flags of the dbt command: the full log to logs/, the console quiet unless verbose."""
        flags = ["--log-path", str(log_dir()), "--log-level-file", "debug", "--no-use-colors-file"]
        if self.verbose:
            flags += ["--log-level", "info", "--use-colors" if self.console.is_terminal else "--no-use-colors"]
        else:
            flags += ["--log-level", "none", "--no-use-colors"]
        return flags

    def __enter__(self) -> DbtProgress:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]{task.fields[title]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("starting", total=None, title=self.description)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self, event: Any) -> None:
        """The dbtRunner callback: counts nodes, tracks the running ones."""
        name = event.info.name
        if name not in ("ConcurrencyLine", "NodeStart", "NodeFinished"):
            return
        with self._lock:
            if name == "ConcurrencyLine":
                self._update(total=int(event.data.node_count), completed=0)
                return
            node = event.data.node_info
            if name == "NodeStart":
                self._running[node.unique_id] = f"{node.resource_type} {node.node_name}"
                self._update()
            else:
                self._running.pop(node.unique_id, None)
                self._update(advance=1)

    def _update(self, **changes: Any) -> None:
        if self._progress is None:
            return
        running = ", ".join(list(self._running.values())[-2:]) or "…"
        self._progress.update(self._task, description=running, **changes)


def _counts(nodes: Iterable[NodeOutcome]) -> dict[str, int]:
    counts = {"built": 0, "tested": 0, "warned": 0, "failed": 0, "skipped": 0}
    for node in nodes:
        status = node.status.lower()
        if status in FAILED:
            counts["failed"] += 1
        elif status == "warn":
            counts["warned"] += 1
        elif status == "skipped":
            counts["skipped"] += 1
        elif node.resource_type in ("test", "unit_test"):
            counts["tested"] += 1
        elif node.resource_type in BUILT:
            counts["built"] += 1
    return counts


def _first_line(message: str | None) -> str:
    """dbt's message in one line: its first lines, or for a Python model's traceback the exception raised."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if not lines:
        return "(no message; see the log)"
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        return f"{lines[0].split(' Python model failed')[0]}: {lines[-1]}"[:300]
    return " ".join(lines[:3])[:300]


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_summary(console: Console, outcome: Outcome, progress: DbtProgress | None = None) -> None:
    """What the dbt invocation(s) did, in a few lines; failures and warnings one line each."""
    nodes = list(outcome.nodes)
    counts = _counts(nodes)
    elapsed = f" in {progress.elapsed:,.1f} s" if progress else ""
    style = "red" if counts["failed"] or not outcome.success else ("yellow" if counts["warned"] else "green")
    console.print(
        f"[{style}]{counts['built']:,} built, {counts['tested']:,} tests passed, {counts['warned']:,} warned, "
        f"{counts['failed']:,} failed, {counts['skipped']:,} skipped[/]{elapsed}",
        highlight=False,
    )
    for label, statuses in (("failed", FAILED), ("warned", ("warn",))):
        listed = [node for node in nodes if node.status.lower() in statuses]
        for node in listed[:MAX_LISTED]:
            console.print(
                f"  [{'red' if label == 'failed' else 'yellow'}]{label}[/] {node.resource_type} "
                f"[bold]{node.name}[/]: {_first_line(node.message)}",
                highlight=False,
                soft_wrap=True,
            )
        if len(listed) > MAX_LISTED:
            console.print(f"  … and {len(listed) - MAX_LISTED} more {label}", highlight=False)
    if counts["skipped"] and counts["failed"]:
        console.print(f"  {counts['skipped']:,} skipped because something upstream failed", highlight=False)
    if not outcome.success and not counts["failed"] and outcome.error:
        console.print(f"  [red]stopped:[/] {_first_line(outcome.error)}", highlight=False, soft_wrap=True)
    console.print(f"[dim]full dbt log: {_relative(log_file())}[/]", highlight=False)
