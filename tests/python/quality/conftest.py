"""One `small` warehouse per engine for the quality tests, built and audited once per session; tests that
corrupt data work on a copy. dbt's artifacts go to a session folder, not the project's target/."""

from __future__ import annotations

from pathlib import Path

import pytest
from warehouse_testing import postgres_database

from warehouse.build import build
from warehouse.generate import generate_world
from warehouse.loaders.run import load
from warehouse.settings import target_from_env


@pytest.fixture(scope="session", autouse=True)
def quality_dbt_artifacts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quality_dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        patch.delenv("WAREHOUSE_MARTS_PATH", raising=False)
        patch.delenv("WAREHOUSE_QUALITY_PATH", raising=False)
        yield folder


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small_landing")
    generate_world("small", 42, folder)
    return folder


@pytest.fixture(scope="session")
def small_duckdb(tmp_path_factory, small_landing):
    """The clean `small` warehouse on DuckDB, built with its audit (so published): (target, build report)."""
    target = target_from_env(
        "duckdb", {"WAREHOUSE_DUCKDB_PATH": str(tmp_path_factory.mktemp("small") / "warehouse.duckdb")}
    )
    assert load([small_landing], target).ok
    report = build(target, quiet=True, audit=True)
    assert report.success, report.error
    return target, report


@pytest.fixture(scope="session")
def small_postgres(small_landing):
    """The whole `small` warehouse on PostgreSQL, Python steps included (its own database, dropped
    afterwards): (target, build report)."""
    with postgres_database() as target:
        assert load([small_landing], target).ok
        report = build(target, quiet=True)
        assert report.success, report.error
        yield target, report
