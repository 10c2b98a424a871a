"""Staking test fixtures: a PostgreSQL database shared by one test module (dropped afterwards)."""

from __future__ import annotations

import os
import uuid

import pytest

from warehouse.settings import target_from_env

PG_ENV = {name: os.environ[name] for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD") if name in os.environ}


@pytest.fixture(scope="module")
def postgres_module_target():
    """Like the shared `postgres_target`, for a whole module: skips with the reason when no server answers."""
    import psycopg2

    target = target_from_env("postgres", {**PG_ENV, "PGDATABASE": f"warehouse_staking_{uuid.uuid4().hex[:10]}"})
    try:
        psycopg2.connect(target.pg_dsn("postgres"), connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        pytest.skip(f"no PostgreSQL server reachable at {target.pg_host}:{target.pg_port}: {str(error).strip()}")
    yield target
    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{target.pg_database}" with (force)')
    admin.close()
