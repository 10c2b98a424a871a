"""`warehouse build` as a newcomer sees it: a few lines on success, none of dbt's log and no colour codes
when not on a terminal (the full log goes to logs/), and on failure dbt's message and where the log is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from newcomer.newcomer_helpers import shell

SCREEN_LINES = 24


@pytest.mark.slow
def test_build_output_on_success_fits_one_screen(fresh_copy: Path, rebuild: subprocess.CompletedProcess) -> None:
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    output = rebuild.stdout + rebuild.stderr
    lines = output.splitlines()
    assert len(lines) <= SCREEN_LINES, output
    assert "\x1b[" not in output, "colour codes in output that is not a terminal"
    assert not [line for line in lines if line.startswith(("INFO:", "WARNING:", "DEBUG:"))], output  # library logs
    assert " built, " in output and " tests passed, " in output and " 0 failed" in output, output
    log = fresh_copy / "logs" / "dbt.log"
    assert "full dbt log: logs/dbt.log" in output
    assert log.stat().st_size > 10_000 and "\x1b[" not in log.read_text(), "the full log, without colours"


@pytest.mark.slow
def test_build_failure_names_the_node_the_message_and_the_log(fresh_copy: Path, rebuild, tmp_path: Path) -> None:
    """An NFT landed without its collection: the staging model's not_null test fails, what depends on it is
    skipped, and the output says which test, dbt's message, and the log's path, in a few lines."""
    project = tmp_path / "project"
    shutil.copytree(fresh_copy, project, symlinks=True, ignore=shutil.ignore_patterns("logs", "target"))
    with duckdb.connect(str(project / "warehouse.duckdb")) as con:
        con.execute(
            "insert into raw.nfts select * replace ('nft_without_collection' as nft_id, null as collection) "
            "from raw.nfts limit 1"
        )
    result = shell(".venv/bin/warehouse build --select stg_community__nfts+", project)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "failed test not_null_stg_community__nfts_collection: Got 1 result" in output, output
    assert "skipped because something upstream failed" in output, output
    assert "full dbt log: logs/dbt.log" in output and (project / "logs" / "dbt.log").exists()
    assert "Traceback" not in output and "\x1b[" not in output
    assert len(output.splitlines()) <= SCREEN_LINES, output


@pytest.mark.slow
def test_build_verbose_streams_dbts_log(fresh_copy: Path, rebuild) -> None:
    result = shell(".venv/bin/warehouse build --verbose --select poa_tiers", fresh_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Running with dbt=" in result.stdout and "\x1b[" not in result.stdout, result.stdout
