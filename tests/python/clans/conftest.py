"""Clans test fixtures: warehouse targets shared by one test module (the scenario builds step by step)."""

from __future__ import annotations

import pytest
from warehouse_testing import duckdb_database, postgres_database


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_target(request):
    """A warehouse for a whole module, on DuckDB (a fresh file) and on the PostgreSQL server (a fresh
    database; skipped with the reason when no server answers), removed afterwards."""
    with duckdb_database() if request.param == "duckdb" else postgres_database("warehouse_clans") as target:
        yield target
