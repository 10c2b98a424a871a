"""A DuckDB build that spills to its temp directory goes on. dbt-duckdb applies the profile's `settings` to
every new cursor, and DuckDB refuses to set temp_directory again (even to the same folder) once a query has
spilled there: the folder is DuckDB's default (the database path + `.tmp`), or WAREHOUSE_DUCKDB_TEMP_DIRECTORY
set by the on-run-start hook `duckdb_temp_directory` only when it differs from the current one."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.build import release_duckdb, run_dbt
from warehouse.settings import target_from_env

#: A distinct count over 3M strings needs far more than the 64MB budget below: its hash table spills.
SPILLING_QUERY = "select count(distinct md5(cast(range as varchar))) as n from range(3000000)"


@pytest.mark.parametrize("configured", [False, True], ids=["default folder", "WAREHOUSE_DUCKDB_TEMP_DIRECTORY"])
def test_invocations_after_a_spill_run_on_the_same_database(tmp_path: Path, monkeypatch, configured: bool) -> None:
    database = tmp_path / "warehouse.duckdb"
    spill = tmp_path / "spill" if configured else tmp_path / "warehouse.duckdb.tmp"
    monkeypatch.setenv("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "64MB")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    if configured:
        monkeypatch.setenv("WAREHOUSE_DUCKDB_TEMP_DIRECTORY", str(spill))
    target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(database)})
    seed = ["--select", "poa_tiers"]  # a small build: its on-run-start hooks run
    try:
        for step in range(2):  # the second time, in the same process, after the spill
            built = run_dbt("seed", target, *seed, quiet=True)
            assert built.success, f"seed {step}: {built.error}"
            spilled = run_dbt("show", target, "--inline", SPILLING_QUERY, quiet=True)
            assert spilled.success, f"spilling query {step}: {spilled.error}"
            assert spill.is_dir(), "the query did not spill there: make it larger"
    finally:
        release_duckdb()
