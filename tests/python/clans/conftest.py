"""Clans test fixtures: warehouse targets shared by one test module (the scenario builds step by step)."""

from __future__ import annotations

import os
import uuid

import pytest

from warehouse.settings import target_from_env

PG_ENV = {name: os.environ[name] for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD") if name in os.environ}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_target(request, tmp_path_factory):
    """A warehouse for a whole module, on DuckDB (a temp file) and on the PostgreSQL server (a fresh
    database, dropped afterwards; skipped with the reason when no server answers)."""
    if request.param == "duckdb":
        path = tmp_path_factory.mktemp("clans") / "warehouse.duckdb"
        yield target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path)})
        return
    import psycopg2

    target = target_from_env("postgres", {**PG_ENV, "PGDATABASE": f"warehouse_clans_{uuid.uuid4().hex[:10]}"})
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
