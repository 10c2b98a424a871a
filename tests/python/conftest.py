"""Shared fixtures: warehouse targets on DuckDB (a temp file) and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from warehouse.settings import Target, target_from_env

PG_ENV = {
    "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
    "PGPORT": os.environ.get("PGPORT", "5432"),
    "PGUSER": os.environ.get("PGUSER", "postgres"),
    "PGPASSWORD": os.environ.get("PGPASSWORD", ""),
}


def postgres_unreachable_reason() -> str | None:
    """None when a PostgreSQL server answers at PGHOST:PGPORT, else why not."""
    import psycopg2

    try:
        psycopg2.connect(
            dbname="postgres",
            connect_timeout=3,
            host=PG_ENV["PGHOST"],
            port=PG_ENV["PGPORT"],
            user=PG_ENV["PGUSER"],
            password=PG_ENV["PGPASSWORD"] or None,
        ).close()
    except psycopg2.OperationalError as error:
        return f"no PostgreSQL server reachable at {PG_ENV['PGHOST']}:{PG_ENV['PGPORT']}: {str(error).strip()}"
    return None


@pytest.fixture(scope="session", autouse=True)
def analyst_role():
    """Roles are cluster-wide: this session's PostgreSQL builds grant to an analyst role of its own
    (WAREHOUSE_ANALYST_ROLE, read by dbt_project.yml), dropped at the end."""
    role = f"warehouse_analyst_{uuid.uuid4().hex[:10]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_ANALYST_ROLE", role)
        yield role
    if postgres_unreachable_reason() is None:
        import psycopg2

        admin = psycopg2.connect(target_from_env("postgres", PG_ENV).pg_dsn("postgres"))
        admin.autocommit = True
        with admin.cursor() as cur:
            try:
                cur.execute(f'drop role if exists "{role}"')
            except psycopg2.Error:  # still granted in a database another fixture failed to drop
                pass
        admin.close()


@pytest.fixture
def duckdb_target(tmp_path: Path) -> Target:
    return target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")})


@pytest.fixture
def postgres_target():
    """A fresh database on the server, dropped afterwards."""
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    import psycopg2

    name = f"warehouse_test_{uuid.uuid4().hex[:10]}"
    target = target_from_env("postgres", {**PG_ENV, "PGDATABASE": name})
    yield target
    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request) -> Target:
    """Each test using it runs once on DuckDB and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_target")
