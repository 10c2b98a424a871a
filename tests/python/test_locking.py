"""One writer at a time: a second load or build is told at once that another build holds the warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from warehouse.loaders.run import load
from warehouse.locking import WarehouseBusy, hold_warehouse, warehouse_busy

from landing import VOTE_COLUMNS, scalar, vote, write_csv

HOLDER = textwrap.dedent(
    """
    import sys, time
    from warehouse.locking import hold_warehouse
    from warehouse.settings import target_from_env
    with hold_warehouse(target_from_env(), "build (test holder)"):
        print("held", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture
def held_elsewhere(target):
    """Another process holding the warehouse for a build."""
    env = {**os.environ, **target.dbt_env()}
    process = subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "held"
        yield target
    finally:
        process.kill()
        process.wait(timeout=30)


def test_a_second_writer_is_refused_within_seconds_naming_the_holder(held_elsewhere, tmp_path):
    target = held_elsewhere
    votes = write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1")])
    started = time.monotonic()
    with pytest.raises(WarehouseBusy, match=r"another build holds the warehouse \(build \(test holder\)"):
        load([votes], target)
    assert time.monotonic() - started < 5
    assert "another build holds the warehouse" in warehouse_busy(target)


def test_the_cli_says_so_in_one_line_with_exit_75(held_elsewhere, tmp_path):
    target = held_elsewhere
    env = {**os.environ, **target.dbt_env(), "COLUMNS": "300"}
    votes = write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1")])
    for command in (["load", str(votes)], ["build"]):
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "warehouse.cli", *command, "--target", target.name],
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 75, result.stderr
        assert "another build holds the warehouse" in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert time.monotonic() - started < 30  # process start-up included; the refusal itself is immediate


def test_the_lock_is_released_when_the_holder_ends(target, tmp_path):
    with hold_warehouse(target, "load"):
        with hold_warehouse(target, "load"):  # re-entrant within a thread
            pass
        assert warehouse_busy(target) is None  # the caller's own hold does not make it busy for itself
    assert warehouse_busy(target) is None
    load([write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1")])], target)
    assert scalar(target, "select count(*) from raw.votes") == 1


def test_a_killed_holder_releases_the_warehouse(target):
    env = {**os.environ, **target.dbt_env()}
    process = subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    assert warehouse_busy(target) is not None
    process.kill()
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while warehouse_busy(target) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert warehouse_busy(target) is None


def test_a_duckdb_file_open_in_another_process_counts_as_busy(duckdb_target):
    code = textwrap.dedent(
        f"""
        import duckdb, time
        con = duckdb.connect({str(duckdb_target.duckdb_path)!r})
        print("open", flush=True)
        time.sleep(120)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "open"
        assert "another build holds the warehouse (the warehouse file is open in" in warehouse_busy(duckdb_target)
        with pytest.raises(WarehouseBusy):
            with hold_warehouse(duckdb_target, "build"):
                pass
    finally:
        process.kill()
        process.wait(timeout=30)


def test_checking_never_creates_a_warehouse(duckdb_target):
    assert warehouse_busy(duckdb_target) is None
    assert not duckdb_target.duckdb_path.exists()
