"""Shared fixtures: warehouse targets on DuckDB (a temp file) and on the real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest
from warehouse_testing import postgres_database

from warehouse.settings import Target, target_from_env


@pytest.fixture
def duckdb_target(tmp_path: Path) -> Target:
    return target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")})


@pytest.fixture
def postgres_target():
    """A fresh database on the server, dropped afterwards."""
    with postgres_database() as target:
        yield target


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request) -> Target:
    """Each test using it runs once on DuckDB and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_target")
