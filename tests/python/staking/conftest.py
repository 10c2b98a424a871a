"""Staking test fixtures: a database of each engine shared by one test module (removed afterwards)."""

from __future__ import annotations

import pytest
from warehouse_testing import duckdb_database, postgres_database


@pytest.fixture(scope="module")
def postgres_module_target():
    """Like the shared `postgres_target`, for a whole module: skips with the reason when no server answers."""
    with postgres_database("warehouse_staking") as target:
        yield target


@pytest.fixture(scope="module")
def duckdb_module_target():
    """Like the shared `duckdb_target`, for a whole module."""
    with duckdb_database() as target:
        yield target
