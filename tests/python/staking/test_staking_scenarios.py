"""Hand-written epoch documents through load → incremental builds → marts, on DuckDB and PostgreSQL.

One world per engine, built in stages (each `dbt build` runs the staking models and all their tests):
  first      epochs 0–6: operator 1 appears, deregisters, disappears (3–4) and returns (5); epoch 4 and
             6 carry no share-price entries; operator 2 registers in epoch 2
  changed    epoch 3 delivered again byte for byte (nothing lands for it, nothing changes); epoch 4 again
             without operator 2 and with a price for operator 0; epoch 5 again without any share-price
             entry; new epoch 7 with 70 operators, prices in all three forms above 2^64
  refreshed  the same warehouse rebuilt with --full-refresh: identical to the incremental result
"""

from __future__ import annotations

import json

import pytest
from staking.staking_helpers import (
    MARTS,
    SECONDS_PER_YEAR,
    STAGING,
    TOKEN,
    assert_same_rows,
    dbt,
    epoch_doc,
    expected_returns_growth,
    expected_share_prices,
    expected_shares,
    newest_documents,
    operator_entry,
    snapshot,
    without_marks,
    write_jsonl,
)
from warehouse_testing import failures

from warehouse.loaders.amounts import parse_u128
from warehouse.loaders.run import load

BIG = 2**64


def _stake(operator: int, epoch: int) -> int:
    """Stake grows 0.1% per epoch per share (shares fixed): a known stake-per-share series."""
    return (10**24 + operator * 10**21) * (1000 + epoch) // 1000


def _entry(operator: int, epoch: int, status: str = "Registered") -> dict:
    shares = 10**24 + operator * 10**21
    forms = [_stake(operator, epoch), f"{_stake(operator, epoch):,}", hex(_stake(operator, epoch))]
    return operator_entry(operator, stake=forms[(operator + epoch) % 3], shares=shares, status=status)


def batch_first() -> list[dict]:
    return [
        epoch_doc(0, [_entry(0, 0), _entry(1, 0)], {0: TOKEN, 1: f"{TOKEN:,}"}),
        epoch_doc(1, [_entry(0, 1), _entry(1, 1)], {1: hex(1_010_000_000_000_000_000)}),
        epoch_doc(2, [_entry(0, 2), _entry(1, 2, "Deregistered"), _entry(2, 2)], {2: "1,000,000,000,000,000,000"}),
        epoch_doc(3, [_entry(0, 3), _entry(2, 3)], {0: "1,020,000,000,000,000,000"}),
        epoch_doc(4, [_entry(0, 4), _entry(2, 4)], {}),
        epoch_doc(5, [_entry(0, 5), _entry(1, 5), _entry(2, 5)], {1: hex(1_050_000_000_000_000_000)}),
        epoch_doc(6, [_entry(0, 6), _entry(1, 6), _entry(2, 6)], {}),
    ]


WIDE = [0, 1, *range(10, 78)]  # 70 operators; operator 2 is gone in the latest epoch


def _wide_price(operator: int) -> object:
    value = BIG + operator * 1_000_003 + 7
    return [value, f"{value:,}", hex(value)][operator % 3]


def batch_changed() -> list[dict]:
    return [
        epoch_doc(4, [_entry(0, 4)], {0: 1_030_000_000_000_000_000}),
        epoch_doc(5, [_entry(0, 5), _entry(1, 5), _entry(2, 5)], {}),
        epoch_doc(7, [_entry(op, 7) for op in WIDE], {op: _wide_price(op) for op in WIDE}),
    ]


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    """Stages → (marts snapshot, staging snapshot); plus the documents delivered."""
    folder = tmp_path_factory.mktemp(f"staking-{request.param}")
    target = request.getfixturevalue(f"{request.param}_module_target")
    stages, landed, duplicates = {}, {}, {}

    def stage(name: str, documents: list[dict] | None, **build) -> None:
        if documents is not None:
            [result] = load([write_jsonl(folder / f"epochs_{name}.jsonl", documents)], target).files
            landed[name], duplicates[name] = result.rows_written, result.rows_duplicate
        report = dbt(target, "build", **build)
        assert report.success, failures(report) or report.error
        stages[name] = (snapshot(target), snapshot(target, STAGING, "staging"))

    first, changed = batch_first(), batch_changed()
    stage("first", first)
    stage("changed", [first[3], *changed])
    stage("refreshed", None, full_refresh=True)
    return {
        "stages": stages,
        "landed": landed,
        "duplicates": duplicates,
        "documents": newest_documents([first, changed]),
        "first": first,
    }


def _rows(world, stage: str, mart: str, **where) -> list[dict]:
    return [r for r in world["stages"][stage][0][mart] if all(r[k] == v for k, v in where.items())]


def test_marts_match_the_python_reference_of_the_newest_documents(world):
    marts = world["stages"]["changed"][0]
    assert_same_rows(
        without_marks(marts["operator_share_prices"]), expected_share_prices(world["documents"]), "share prices"
    )
    assert_same_rows(without_marks(marts["operator_shares"]), expected_shares(world["documents"]), "shares")
    first = world["stages"]["first"][0]
    reference = newest_documents([world["first"]])
    assert_same_rows(
        without_marks(first["operator_share_prices"]), expected_share_prices(reference), "first share prices"
    )


def test_operator_that_appears_disappears_and_returns(world):
    rows = {r["epoch"]: r for r in _rows(world, "first", "operator_share_prices", operator_id=1)}
    assert sorted(rows) == [0, 1, 2, 5, 6]  # no rows while it is gone (epochs 3-4)
    assert (rows[2]["share_price_perq"], rows[2]["is_observed"], rows[2]["observed_epoch"]) == (
        1_010_000_000_000_000_000,
        False,
        1,
    )
    assert (rows[5]["share_price_perq"], rows[5]["is_observed"]) == (1_050_000_000_000_000_000, True)
    assert (rows[6]["share_price_perq"], rows[6]["is_observed"]) == (1_050_000_000_000_000_000, False)
    [operator] = _rows(world, "first", "operators", operator_id=1)
    assert (operator["first_seen_epoch"], operator["last_seen_epoch"], operator["epochs_seen"]) == (0, 6, 5)
    assert operator["is_active"] and operator["status"] == "Registered"
    shares = [r["status"] for r in _rows(world, "first", "operator_shares", operator_id=1)]
    assert shares == ["Registered", "Registered", "Deregistered", "Registered", "Registered"]


def test_epoch_without_share_price_entries_is_forward_filled(world):
    rows = _rows(world, "first", "operator_share_prices", epoch=4)
    assert [(r["operator_id"], r["share_price_perq"], r["is_observed"], r["observed_epoch"]) for r in rows] == [
        (0, 1_020_000_000_000_000_000, False, 3),
        (2, TOKEN, False, 2),
    ]
    [analytics] = _rows(world, "first", "epoch_analytics", epoch=4)
    assert analytics["n_observed_share_prices"] == 0
    assert analytics["operator_share_prices_json"] == {"0": "1020000000000000000", "2": str(TOKEN)}
    # an operator never priced before its first observation gets no row: operator 2 starts at epoch 2
    assert min(r["epoch"] for r in _rows(world, "first", "operator_share_prices", operator_id=2)) == 2


def test_identical_redelivery_lands_nothing_and_changes_nothing(world):
    assert world["duplicates"]["changed"] == 1  # epoch 3, delivered again unchanged
    for mart, key in MARTS.items():
        if "epoch" in key:
            before = [r for r in world["stages"]["first"][0][mart] if r["epoch"] == 3]
            after = [r for r in world["stages"]["changed"][0][mart] if r["epoch"] == 3]
            assert before and after == before, mart


def test_changed_redelivery_replaces_the_epoch_whole(world):
    assert world["landed"]["changed"] == 3
    staging = world["stages"]["changed"][1]
    # epoch 5's new version has no share-price entries: the old version's entry is gone from staging
    assert [r for r in staging["stg_staking__operator_share_prices"] if r["epoch"] == 5] == []
    # epoch 4's new version no longer lists operator 2
    assert [r["operator_id"] for r in staging["stg_staking__operator_stakes"] if r["epoch"] == 4] == [0]
    assert {r["epoch"]: r["payload_version"] for r in staging["stg_staking__epochs"]} == {
        0: 1,
        1: 1,
        2: 1,
        3: 1,
        4: 2,
        5: 2,
        6: 1,
        7: 1,
    }
    epoch4 = _rows(world, "changed", "operator_share_prices", epoch=4)
    assert [(r["operator_id"], r["share_price_perq"], r["is_observed"]) for r in epoch4] == [
        (0, 1_030_000_000_000_000_000, True)
    ]
    [op1] = _rows(world, "changed", "operator_share_prices", epoch=5, operator_id=1)
    assert (op1["share_price_perq"], op1["is_observed"], op1["observed_epoch"]) == (1_010_000_000_000_000_000, False, 1)
    [op2] = _rows(world, "changed", "operator_share_prices", epoch=5, operator_id=2)
    assert (op2["share_price_perq"], op2["observed_epoch"]) == (TOKEN, 2)


def test_incremental_equals_full_refresh(world):
    incremental, refreshed = world["stages"]["changed"], world["stages"]["refreshed"]
    for name in MARTS:
        assert_same_rows(incremental[0][name], refreshed[0][name], name, rel=0)
    for name in STAGING:
        assert_same_rows(incremental[1][name], refreshed[1][name], name, rel=0)


def test_64_plus_operators_and_the_json_dictionary_round_trips_exactly(world):
    [analytics] = _rows(world, "changed", "epoch_analytics", epoch=7)
    prices = analytics["operator_share_prices_json"]
    assert analytics["n_operators"] == analytics["n_observed_share_prices"] == len(prices) == 70
    assert {int(k): int(v) for k, v in prices.items()} == {op: parse_u128(_wide_price(op)) for op in WIDE}
    assert all(int(v) > BIG for v in prices.values())
    # every epoch: the dictionary is exactly the mart's rows for that epoch
    marts = world["stages"]["changed"][0]
    for row in marts["epoch_analytics"]:
        mart = {
            str(r["operator_id"]): str(r["share_price_perq"])
            for r in marts["operator_share_prices"]
            if r["epoch"] == row["epoch"]
        }
        assert row["operator_share_prices_json"] == mart, row["epoch"]
    # the text itself is valid JSON with string values (what old dashboards parse)
    assert all(isinstance(v, str) for v in json.loads(json.dumps(prices)).values())


def test_operators_latest_state(world):
    operators = {r["operator_id"]: r for r in world["stages"]["changed"][0]["operators"]}
    assert len(operators) == 71
    gone = operators[2]
    assert (gone["is_active"], gone["last_seen_epoch"], gone["status"], gone["last_listed_epoch"]) == (
        False,
        6,
        "Registered",
        6,
    )
    assert operators[1]["epochs_seen"] == 6 and operators[1]["is_active"]
    assert operators[77]["first_seen_epoch"] == 7


def test_epoch_analytics_totals(world):
    [row] = _rows(world, "changed", "epoch_analytics", epoch=7)
    assert row["total_stake"] == sum(_stake(op, 7) for op in WIDE)
    assert row["total_rewards"] == 5 * 70
    assert (row["n_listed_operators"], row["n_active_operators"], row["payload_version"]) == (70, 70, 1)
    assert row["end_block"] == 600 * 8


def test_operator_returns_growth_and_annualization(world):
    expected = expected_returns_growth(world["documents"])
    rows = world["stages"]["changed"][0]["operator_returns"]
    assert len(rows) == len(expected)
    for row in rows:
        want = expected[(row["domain_id"], row["epoch"], row["operator_id"])]
        if want is None:
            assert row["growth"] is None and row["annualized_growth"] is None, row
            continue
        assert row["growth"] == pytest.approx(want, rel=1e-9, abs=1e-13), row
        annual = (1 + want) ** (SECONDS_PER_YEAR / row["elapsed_seconds"]) - 1
        assert row["annualized_growth"] == pytest.approx(annual, rel=1e-6), row
    # operator 1 returns at epoch 5 after a gap: growth spans epochs 2 → 5 over ~3 hours
    [back] = [r for r in rows if r["operator_id"] == 1 and r["epoch"] == 5]
    assert (back["previous_epoch"], back["epochs_elapsed"]) == (2, 3)
    assert back["elapsed_seconds"] == pytest.approx(3 * 3600)
