"""Clans test fixtures: warehouse targets shared by one test module (the scenario builds step by step)."""

from __future__ import annotations

import pytest
from warehouse_testing import postgres_database

from warehouse.settings import target_from_env


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_target(request, tmp_path_factory):
    """A warehouse for a whole module, on DuckDB (a temp file) and on the PostgreSQL server (a fresh
    database, dropped afterwards; skipped with the reason when no server answers)."""
    if request.param == "duckdb":
        path = tmp_path_factory.mktemp("clans") / "warehouse.duckdb"
        yield target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path)})
        return
    with postgres_database("warehouse_clans") as target:
        yield target
