"""A whole `warehouse build` with nothing landed and nothing changed in the project since the last successful
one returns at once; anything new — a landed file, a changed model, --force, a selection — builds."""

from __future__ import annotations

import warehouse.build as build_module
from warehouse.build import BuildReport, build, inputs_fingerprint
from warehouse.loaders.run import load

from landing import VOTE_COLUMNS, vote, write_csv


def test_fingerprint_follows_landed_data(target, tmp_path):
    load([write_csv(tmp_path / "one" / "votes.csv", VOTE_COLUMNS, [vote("v1")])], target)
    first = inputs_fingerprint(target)
    assert inputs_fingerprint(target) == first
    load([write_csv(tmp_path / "one" / "votes.csv", VOTE_COLUMNS, [vote("v1")])], target)  # already landed
    assert inputs_fingerprint(target) != first  # the skipped load is logged in raw.ingest_logs
    second = inputs_fingerprint(target)
    load([write_csv(tmp_path / "two" / "votes.csv", VOTE_COLUMNS, [vote("v2", at="2026-03-02T12:00:00Z")])], target)
    assert inputs_fingerprint(target) != second


def test_an_unchanged_warehouse_is_not_rebuilt(duckdb_target, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    runs = []

    def dbt_build(target, full_refresh, select, quiet, exclude, full_audit, *_):  # stands in for dbt: counts runs
        runs.append((full_refresh, select, full_audit))
        return BuildReport(success=True)

    monkeypatch.setattr(build_module, "_dbt_build", dbt_build)
    load([write_csv(tmp_path / "one" / "votes.csv", VOTE_COLUMNS, [vote("v1")])], duckdb_target)
    assert not build(duckdb_target).up_to_date  # no earlier build
    assert build(duckdb_target).up_to_date and len(runs) == 1
    assert not build(duckdb_target, force=True).up_to_date
    assert not build(duckdb_target, full_audit=True).up_to_date
    assert not build(duckdb_target, select=["stg_community__votes"]).up_to_date
    assert len(runs) == 4
    load(
        [write_csv(tmp_path / "two" / "votes.csv", VOTE_COLUMNS, [vote("v2", at="2026-03-02T12:00:00Z")])],
        duckdb_target,
    )
    assert not build(duckdb_target).up_to_date
    assert build(duckdb_target).up_to_date and len(runs) == 5
