"""The run-failure log: one JSON line per failed Dagster run, in `<DAGSTER_HOME>/run_failures.jsonl`.

A file rather than a warehouse table: a run often fails because the warehouse is busy or unreachable,
and its failure must be recorded all the same. `warehouse status` shows the latest entries.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from warehouse.orchestration.settings import dagster_home

FILE_NAME = "run_failures.jsonl"


def failures_file(home: Path | None = None) -> Path:
    return (home or dagster_home()) / FILE_NAME


def record_failure(job: str, run_id: str, message: str, home: Path | None = None) -> dict:
    entry = {
        "failed_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "job": job,
        "run_id": run_id,
        "message": " ".join((message or "run failed").split())[:500],
    }
    path = failures_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")
    return entry


def recent_failures(limit: int = 10, home: Path | None = None) -> list[dict]:
    """The latest failures, newest first; an empty list when no run has failed (or nothing ran)."""
    path = failures_file(home)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash; the others still count
    return entries[::-1][:limit]
