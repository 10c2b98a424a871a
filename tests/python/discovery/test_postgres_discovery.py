"""The discovery models on the PostgreSQL server: built batch by batch with their tests (reconciliation
with the raw tables included), equal to the DuckDB build of the same batches, and searchable."""

from __future__ import annotations

import math

import pytest
from discovery.discovery_helpers import TABLES, build_discovery, differences, failures, snapshot_all
from warehouse_testing import postgres_database

from warehouse.loaders.run import load
from warehouse.search import search

pytestmark = pytest.mark.postgres

LANDING_TIME_COLUMNS = {"as_of", "loaded_at", "newest_loaded_at"}  # when rows landed / were built: engine runs differ


@pytest.fixture(scope="module")
def discovery_postgres(discovery_world):
    """A fresh database on the server with the same batches as the DuckDB run (world; then both deltas,
    landed one by one so event_seq matches), built after the world and after the deltas."""
    with postgres_database("warehouse_discovery") as target:
        reports = []
        world, *deltas = discovery_world
        assert load([world], target).ok
        reports.append(build_discovery(target))
        for delta in deltas:
            assert load([delta], target).ok
        # incremental run with the data-dependent tests (the unit and generic tests ran on the world)
        reports.append(build_discovery(target, unit_tests=False))
        yield target, reports


def test_postgres_builds_pass_every_test(discovery_postgres):
    _, reports = discovery_postgres
    for report in reports:
        assert report.success, failures(report) or report.error
        statuses = {node.name: node.status for node in report.nodes}
        assert statuses["assert_user_dashboard_stats_reconciles"] == "pass"
        assert statuses["message_conversations"] == "success"
    assert sum(n.resource_type == "unit_test" and n.status == "pass" for n in reports[0].nodes) >= 10


@pytest.fixture(scope="module")
def postgres_tables(discovery_postgres):
    target, _ = discovery_postgres
    return snapshot_all(target)


@pytest.mark.parametrize("table", [table for _, table in TABLES])
def test_postgres_equals_duckdb(postgres_tables, discovery_run, table):
    """Same batches, incremental on PostgreSQL vs full refresh on DuckDB: the same rows and values."""
    postgres, duckdb = postgres_tables[table], discovery_run.full_refresh[table]
    assert len(postgres) == len(duckdb) > 0
    assert differences(postgres, duckdb, ignore=LANDING_TIME_COLUMNS) == []


def test_search_on_postgres_finds_the_planted_answers(discovery_postgres, discovery_run):
    target, _ = discovery_postgres
    for planted in discovery_run.truth_search:
        hits = search(target, planted["query"], limit=3)
        assert (hits[0].doc_type, hits[0].doc_id) == (planted["doc_type"], planted["doc_id"])
        duckdb_hits = search(discovery_run.target, planted["query"], limit=3)
        assert [h.doc_id for h in hits] == [h.doc_id for h in duckdb_hits]
        assert all(math.isclose(a.score, b.score, rel_tol=1e-9) for a, b in zip(hits, duckdb_hits, strict=True))
