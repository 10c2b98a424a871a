"""dbt keeps one partial-parse state in its target path, valid for one warehouse (its profile hash holds the
DuckDB file or the PostgreSQL database): each warehouse's state is kept beside it
(warehouse.build.target_partial_parse), so that a checkout that builds on DuckDB and on PostgreSQL in turn, or on
two warehouses of one engine, parses the whole project once per warehouse, not at every switch."""

from __future__ import annotations

import pytest

from warehouse import build as build_module
from warehouse.build import run_dbt
from warehouse.settings import dbt_target_dir, target_from_env

pytestmark = pytest.mark.postgres

FULL_PARSE = "Unable to do partial parsing"


def _parse(target, logs) -> str:
    """`dbt parse` on the target; what it wrote to its log."""
    log = logs / "dbt.log"
    log.unlink(missing_ok=True)
    report = run_dbt("parse", target, quiet=True)
    assert report.success, report.error
    return log.read_text()


def _kept() -> list[str]:
    return sorted(path.name for path in dbt_target_dir().glob("partial_parse.*-*.msgpack"))


def test_switching_warehouses_keeps_each_warehouses_partial_parse(
    duckdb_target, postgres_target, tmp_path, monkeypatch
):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    other_duckdb = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "other" / "warehouse.duckdb")})
    assert "saved manifest not found" in _parse(duckdb_target, tmp_path / "logs")  # nothing to start from
    assert "profile has changed" in _parse(postgres_target, tmp_path / "logs")  # DuckDB's state does not fit
    assert "profile has changed" in _parse(other_duckdb, tmp_path / "logs")  # nor another file's
    for target in (duckdb_target, postgres_target, other_duckdb, duckdb_target):
        log = _parse(target, tmp_path / "logs")
        assert FULL_PARSE not in log, f"{target.describe()} parsed the whole project again after another's run"
        assert "Partial parsing enabled" in log
    kept = _kept()
    assert len(kept) == 3 and {name.split("-")[0] for name in kept} == {
        "partial_parse.duckdb",
        "partial_parse.postgres",
    }

    # the states of the warehouses built last are kept, the others go
    monkeypatch.setattr(build_module, "KEPT_PARTIAL_PARSES", 2)
    _parse(other_duckdb, tmp_path / "logs")
    assert len(_kept()) == 2
    assert FULL_PARSE not in _parse(other_duckdb, tmp_path / "logs")
    assert FULL_PARSE in _parse(postgres_target, tmp_path / "logs")  # the state used longest ago was removed
