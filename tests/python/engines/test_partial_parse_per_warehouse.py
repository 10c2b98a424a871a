"""dbt keeps one partial-parse state in its target path, valid for one target: each engine's state is kept beside
it (warehouse.build.target_partial_parse), so that a checkout that builds on DuckDB and on PostgreSQL in turn
parses the whole project once per engine, not at every switch."""

from __future__ import annotations

import pytest

from warehouse.build import run_dbt
from warehouse.settings import dbt_target_dir

pytestmark = pytest.mark.postgres

FULL_PARSE = "Unable to do partial parsing"


def _parse(target, logs) -> str:
    """`dbt parse` on the target; what it wrote to its log."""
    log = logs / "dbt.log"
    log.unlink(missing_ok=True)
    report = run_dbt("parse", target, quiet=True)
    assert report.success, report.error
    return log.read_text()


def test_switching_engines_keeps_each_engines_partial_parse(duckdb_target, postgres_target, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    first_duckdb, first_postgres = _parse(duckdb_target, tmp_path / "logs"), _parse(postgres_target, tmp_path / "logs")
    assert "saved manifest not found" in first_duckdb  # nothing to start from: a full parse
    assert "profile has changed" in first_postgres  # the DuckDB state does not fit PostgreSQL: a full parse
    for target in (duckdb_target, postgres_target, duckdb_target):
        log = _parse(target, tmp_path / "logs")
        assert FULL_PARSE not in log, f"{target.name} parsed the whole project again after the other engine's run"
        assert "Partial parsing enabled" in log
    kept = sorted(path.name for path in dbt_target_dir().glob("partial_parse*.msgpack"))
    assert kept == ["partial_parse.duckdb.msgpack", "partial_parse.msgpack", "partial_parse.postgres.msgpack"]
