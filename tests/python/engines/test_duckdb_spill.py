"""A DuckDB build that spills to its temp directory goes on: dbt-duckdb applies the profile's `settings` to
every new cursor, and DuckDB refuses to set temp_directory again once something spilled there, so the
profile sets it once, when the database opens (`config_options`)."""

from __future__ import annotations

from pathlib import Path

from warehouse.build import release_duckdb, run_dbt
from warehouse.settings import target_from_env

#: A distinct count over 3M strings needs far more than the 64MB budget below: its hash table spills.
SPILLING_QUERY = "select count(distinct md5(cast(range as varchar))) as n from range(3000000)"


def test_statements_after_a_spill_run_on_new_cursors(tmp_path: Path, monkeypatch) -> None:
    database = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "64MB")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(database)})
    try:
        spilled = run_dbt("show", target, "--inline", SPILLING_QUERY, quiet=True)
        assert spilled.success, spilled.error
        assert (tmp_path / "warehouse.duckdb.tmp").is_dir(), "the query did not spill: make it larger"
        after = run_dbt("show", target, "--inline", "select 1 as one", quiet=True)  # same database, a new cursor
        assert after.success, after.error
    finally:
        release_duckdb()
