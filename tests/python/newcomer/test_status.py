"""`warehouse status` after the demo's load: its counts are the load summary's and ops.ingestion_health's
(roster members are read once), and the run id is printed whole in an 80-column terminal."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from newcomer.newcomer_helpers import shell


@pytest.mark.slow
def test_status_counts_agree_with_ingestion_health(fresh_copy: Path, demo_warehouse: Path, quick_start) -> None:
    demo = next(iter(quick_start.values())).stdout
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        [(run_id, rows_read, rows_written, rows_duplicate)] = con.execute(
            "select run_id, rows_read, rows_written, rows_duplicate from ops.ingestion_health"
        ).fetchall()
    assert f"load {run_id}" in demo
    result = shell("COLUMNS=80 .venv/bin/warehouse status", fresh_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if run_id in line]
    assert len(max(result.stdout.splitlines(), key=len)) <= 80
    cells = line.split()
    assert cells[0] == run_id, f"run id cut: {line!r}"
    assert [int(c.replace(",", "")) for c in cells[2:4]] == [rows_read, rows_written], line
    assert int(cells[5].replace(",", "")) == rows_duplicate, line
    # the load summary of the demo: the sum of its `read` column
    summary_read = sum(
        int(row.split("│")[3].strip().replace(",", ""))
        for row in demo.split(f"load {run_id}", 1)[1].splitlines()
        if row.startswith("│")
    )
    assert summary_read == rows_read
