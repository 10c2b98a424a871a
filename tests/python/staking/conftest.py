"""Staking test fixtures: a PostgreSQL database shared by one test module (dropped afterwards)."""

from __future__ import annotations

import pytest
from warehouse_testing import postgres_database


@pytest.fixture(scope="module")
def postgres_module_target():
    """Like the shared `postgres_target`, for a whole module: skips with the reason when no server answers."""
    with postgres_database("warehouse_staking") as target:
        yield target
