"""Incremental = full refresh: the `small` world's epochs (500 x 16) landed in three batches, with changed
re-deliveries of earlier epochs and an identical one, a `dbt build` (models + tests) after each; then a
`--full-refresh` build of the same warehouse. On DuckDB and PostgreSQL, and the two engines agree."""

from __future__ import annotations

import copy
import json

import pytest
from staking.staking_helpers import (
    MARTS,
    STAGING,
    assert_same_rows,
    dbt,
    expected_returns_growth,
    expected_share_prices,
    expected_shares,
    newest_documents,
    snapshot,
    without_marks,
    write_jsonl,
)
from warehouse_testing import failures

from warehouse.generate import generate_world
from warehouse.loaders.run import load


@pytest.fixture(scope="module")
def small_batches(tmp_path_factory) -> list[list[dict]]:
    folder = tmp_path_factory.mktemp("small")
    generate_world("small", 11, folder)
    documents = [json.loads(line) for line in (folder / "epochs.jsonl").read_text().splitlines()]
    first, second, third = documents[:200], documents[200:350], documents[350:]
    second = second + [_changed(documents[50]), _changed(documents[199])]
    third = third + [_changed(documents[210]), _changed(_changed(documents[50])), documents[120]]
    return [first, second, third]


def _changed(document: dict) -> dict:
    """A corrected payload: the last share-price entry and the last operator entry dropped, a stake changed."""
    changed = copy.deepcopy(document)
    data = changed["data"]
    data["operatorEpochSharePrice"]["entries"] = data["operatorEpochSharePrice"]["entries"][:-1]
    entries = data["operators"]["entries"]
    if len(entries) > 1:
        entries.pop()
    entries[0]["value"]["currentTotalStake"] = str(2**100 + len(entries))
    return changed


def _build_in_batches(target, folder, batches) -> dict:
    landed = []
    for number, batch in enumerate(batches):
        [result] = load([write_jsonl(folder / f"epochs_{number}.jsonl", batch)], target).files
        landed.append((result.rows_written, result.rows_duplicate, result.rows_rejected))
        report = dbt(target, "build")
        assert report.success, failures(report) or report.error
    incremental = (snapshot(target), snapshot(target, STAGING, "staging"))
    report = dbt(target, "build", full_refresh=True)
    assert report.success, failures(report) or report.error
    refreshed = (snapshot(target), snapshot(target, STAGING, "staging"))
    return {"landed": landed, "incremental": incremental, "refreshed": refreshed}


@pytest.fixture(scope="module")
def duckdb_small(small_batches, tmp_path_factory, duckdb_module_target):
    return _build_in_batches(duckdb_module_target, tmp_path_factory.mktemp("small-duckdb"), small_batches)


@pytest.fixture(scope="module")
def postgres_small(small_batches, tmp_path_factory, postgres_module_target):
    return _build_in_batches(postgres_module_target, tmp_path_factory.mktemp("small-pg"), small_batches)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built(request):
    return request.getfixturevalue(f"{request.param}_small")


def test_batches_land_new_and_changed_versions_only(built):
    # batch 3's identical re-delivery of epoch 120 is a duplicate; every changed payload lands
    assert built["landed"] == [(200, 0, 0), (152, 0, 0), (152, 1, 0)]


def test_incremental_builds_equal_a_full_refresh(built):
    (marts, staging), (marts_full, staging_full) = built["incremental"], built["refreshed"]
    for name in MARTS:
        assert_same_rows(marts[name], marts_full[name], name, rel=0)
    for name in STAGING:
        assert_same_rows(staging[name], staging_full[name], name, rel=0)


def test_marts_equal_the_python_reference(built, small_batches):
    documents = newest_documents(small_batches)
    marts = built["incremental"][0]
    assert_same_rows(
        without_marks(marts["operator_share_prices"]), expected_share_prices(documents), "operator_share_prices"
    )
    assert_same_rows(without_marks(marts["operator_shares"]), expected_shares(documents), "operator_shares")
    growth = expected_returns_growth(documents)
    got = {(r["domain_id"], r["epoch"], r["operator_id"]): r["growth"] for r in marts["operator_returns"]}
    assert got.keys() == growth.keys()
    for key, value in growth.items():
        assert (got[key] is None) == (value is None), key
        if value is not None:
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-13), key
    # the re-delivered epochs carry their newest version
    versions = {r["epoch"]: r["payload_version"] for r in marts["epoch_analytics"]}
    assert (versions[50], versions[199], versions[210], versions[120], versions[0]) == (3, 2, 2, 1, 1)
    # the generated world is sparse: most rows are forward-filled
    observed = sum(r["is_observed"] for r in marts["operator_share_prices"])
    assert 0 < observed < len(marts["operator_share_prices"]) / 3


@pytest.mark.postgres
def test_duckdb_and_postgres_agree(duckdb_small, postgres_small):
    for name in MARTS:
        assert_same_rows(duckdb_small["incremental"][0][name], postgres_small["incremental"][0][name], name)
