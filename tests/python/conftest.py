"""Shared fixtures: warehouse targets on DuckDB (a temp file) and on the real PostgreSQL server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from warehouse_testing import PG_ENV, postgres_database, postgres_unreachable_reason

from warehouse.settings import Target, target_from_env


@pytest.fixture(scope="session", autouse=True)
def dbt_artifacts(tmp_path_factory):
    """dbt's target/ and logs/ of this test session (of this worker, under pytest-xdist) in a folder of its
    own, so that parallel sessions never share a manifest or a partial-parse file."""
    folder = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        yield folder


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
    with postgres_database() as target:
        yield target


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request) -> Target:
    """Each test using it runs once on DuckDB and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_target")
