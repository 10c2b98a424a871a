"""End to end, on both engines: amounts at the edges of each form come out of the marts exact, and a raw
payload with an amount in no accepted form (inserted directly, bypassing the loader) fails the build
loudly — the value named, nothing written as 0 or NULL — and a corrected re-delivery recovers."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from staking.staking_helpers import U128_MAX, dbt, epoch_doc, operator_entry, write_jsonl
from warehouse_testing import failures

from warehouse.loaders.run import load
from warehouse.loaders.targets import open_warehouse

from landing import query, scalar

EDGES = {  # operator → (share price as delivered, exact value)
    0: (U128_MAX, U128_MAX),
    1: (f"{U128_MAX:,}", U128_MAX),
    2: ("0x" + "f" * 32, U128_MAX),
    3: (2**64 + 1, 2**64 + 1),
    4: (f"{2**64:,}", 2**64),
    5: (hex(2**64 + 12345), 2**64 + 12345),
    6: (2**63 + 5, 2**63 + 5),
    7: ("0x" + "8" + "0" * 14 + "1", 2**63 + 1),
    8: (2**64 - 1, 2**64 - 1),
}


def _edge_documents() -> list[str]:
    entries = [
        operator_entry(0, stake=U128_MAX, shares="0x" + "f" * 32, minimum=f"{U128_MAX:,}"),
        operator_entry(1, stake=f"{2**127:,}", shares=hex(2**127 - 1), minimum=2**64 + 3),
        *[operator_entry(op) for op in range(2, 9)],
    ]
    document = epoch_doc(
        0,
        entries,
        {op: value for op, (value, _) in EDGES.items()},
        rewards={0: 2**127, 1: hex(2**127 - 1)},
        total_stake=f"{U128_MAX:,}",
    )
    # json.dumps writes Python ints of any size as JSON numbers: 2^128-1 stays a number in the text
    text = json.dumps(document)
    assert f": {U128_MAX}," in text or f": {U128_MAX}}}" in text
    return [text]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_target(request):
    return request.getfixturevalue(f"{request.param}_target")


def test_edge_amounts_in_every_form_come_out_exact(engine_target, tmp_path):
    target = engine_target
    [result] = load([write_jsonl(tmp_path / "epochs.jsonl", _edge_documents())], target).files
    assert (result.rows_written, result.rows_rejected) == (1, 0)
    # models and tests in one build: a share price of 2^128-1 Perquintill (3.4e20, outside (0, 1e18]) is
    # quarantined in staging (its `quarantine_rule` set; ops.quarantined_rows lists it) and kept out of the
    # marts; the build stays green and every other amount comes out exact
    report = dbt(target, "build")
    failed = {node.name for node in report.nodes if node.status in ("fail", "error")}
    assert not failed, failures(report)
    bound = 10**36
    quarantined = {
        op: int(value)
        for op, value in query(
            target,
            "select operator_id, share_price_perq from staging.stg_staking__operator_share_prices "
            "where quarantine_rule is not null",
        )
    }
    assert quarantined == {op: exact for op, (_, exact) in EDGES.items() if exact > bound}
    prices = dict(query(target, "select operator_id, share_price_perq from marts.operator_share_prices"))
    assert {op: int(v) for op, v in prices.items() if op not in quarantined} == {
        op: exact for op, (_, exact) in EDGES.items() if exact <= bound
    }
    assert all(int(v) <= bound for v in prices.values())
    shares = {
        op: (int(a), int(b))
        for op, a, b in query(target, "select operator_id, total_stake, total_shares from marts.operator_shares")
    }
    assert shares[0] == (U128_MAX, U128_MAX) and shares[1] == (2**127, 2**127 - 1)
    minimum = dict(query(target, "select operator_id, minimum_nominator_stake from marts.operators"))
    assert (int(minimum[0]), int(minimum[1])) == (U128_MAX, 2**64 + 3)
    [(total_stake, total_rewards, prices_json)] = query(
        target, "select total_stake, total_rewards, operator_share_prices_json from marts.epoch_analytics"
    )
    assert (int(total_stake), int(total_rewards)) == (U128_MAX, U128_MAX)
    prices_json = prices_json if isinstance(prices_json, dict) else json.loads(prices_json)
    assert prices_json == {str(op): str(exact) for op, (_, exact) in EDGES.items() if exact <= bound}


def _insert_raw_epoch(target, epoch: int, payload: str, version: int = 1) -> None:
    """A raw row written directly, as if a loader bug had let it through."""
    warehouse = open_warehouse(target)
    try:
        seq = warehouse.fetch("select coalesce(max(event_seq), 0) + 1 from raw.epochs")[0][0]
        text = payload.replace("'", "''")
        warehouse.execute(
            "insert into raw.epochs (domain_id, epoch, epoch_timestamp, payload_version, payload_hash, payload, "
            "run_id, source_file, source_position, loaded_at, row_hash, event_seq) values "
            f"(0, {epoch}, timestamp '2026-01-01 05:00:00', {version}, 'bad-{epoch}', '{text}', 'manual', "
            f"'hand-inserted', 1, timestamp '{datetime.now():%Y-%m-%d %H:%M:%S}', 'bad-{epoch}', {seq})"
        )
    finally:
        warehouse.close()


@pytest.mark.parametrize(
    "engine, bad",
    [("duckdb", "1.5"), pytest.param("postgres", '"12abc"', marks=pytest.mark.postgres)],
)
def test_a_bad_amount_that_slips_past_the_loader_fails_the_build_loudly(request, tmp_path, engine, bad):
    """(Every bad form is refused on both engines in test_staking_uint128; here the whole pipeline.)"""
    target = request.getfixturevalue(f"{engine}_target")
    good = epoch_doc(0, [operator_entry(0)], {0: 10**18})
    load([write_jsonl(tmp_path / "epochs.jsonl", [good])], target)
    assert dbt(target, "run").success
    before = query(
        target, "select epoch, operator_id, share_price_perq from staging.stg_staking__operator_share_prices"
    )

    # epoch 1 (new) and a changed epoch 0, both with the bad share price
    for epoch in (0, 1):
        text = json.dumps(epoch_doc(epoch, [operator_entry(0)], {0: "PLACEHOLDER"})).replace('"PLACEHOLDER"', bad)
        _insert_raw_epoch(target, epoch, text, version=2 if epoch == 0 else 1)
    report = dbt(target, "run")
    assert not report.success
    messages = failures(report)
    assert "stg_staking__operator_share_prices" in messages
    assert "128" in messages and bad.strip('"') in messages, messages
    # the failed run wrote nothing: the old version's rows are intact, no 0 or NULL price appeared
    after = query(target, "select epoch, operator_id, share_price_perq from staging.stg_staking__operator_share_prices")
    assert after == before
    assert (
        scalar(
            target,
            "select count(*) from marts.operator_share_prices where share_price_perq is null or share_price_perq = 0",
        )
        == 0
    )

    # a corrected delivery of both epochs lands through the loader as a newer version and recovers
    fixed = [epoch_doc(epoch, [operator_entry(0)], {0: 2 * 10**18}) for epoch in (0, 1)]
    load([write_jsonl(tmp_path / "epochs_fixed.jsonl", fixed)], target)
    report = dbt(target, "build")
    assert report.success, failures(report) or report.error
    rows = query(target, "select epoch, operator_id, share_price_perq from marts.operator_share_prices order by epoch")
    assert [(e, o, int(p)) for e, o, p in rows] == [(0, 0, 2 * 10**18), (1, 0, 2 * 10**18)]
