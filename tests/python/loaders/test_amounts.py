"""Amounts are exact unsigned 128-bit integers in three forms, and survive landing unchanged."""

from __future__ import annotations

import json

import pytest

from warehouse.loaders.amounts import U128_MAX, AmountError, parse_u128
from warehouse.loaders.run import load

from landing import epoch_document, query, write_jsonl


def _comma(value: int) -> str:
    return f"{value:,}"


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, 0),
        (2**64 - 1, 2**64 - 1),
        (2**64 + 1, 2**64 + 1),
        (U128_MAX, U128_MAX),
        ("1,250,000,000,000,000,000", 1_250_000_000_000_000_000),
        (_comma(U128_MAX), U128_MAX),
        ("340282366920938463463374607431768211455", U128_MAX),
        ("0x1158e460913d00000", 20_000_000_000_000_000_000),
        ("0x" + "f" * 32, U128_MAX),
        ("0X10000000000000000", 2**64),
    ],
)
def test_each_form_parses_exactly(value, expected):
    assert parse_u128(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        -1,
        U128_MAX + 1,
        1.0,
        1e24,
        True,
        None,
        "",
        "12abc",
        "1,25,000",
        ",100",
        "1.5",
        "-5",
        "0x",
        "0x" + "f" * 33,
        "0xg1",
        " ",
        "1_000",
    ],
)
def test_anything_else_is_an_error_never_zero(value):
    with pytest.raises(AmountError):
        parse_u128(value)


def test_amounts_above_2_64_survive_landing_in_every_form(target, tmp_path):
    big = 2**64 + 12345
    forms = {1: U128_MAX, 2: _comma(U128_MAX), 3: "0x" + "f" * 32, 4: big, 5: _comma(big), 6: hex(big)}
    documents = [epoch_document(epoch, stake=value, share_price=value) for epoch, value in forms.items()]
    path = write_jsonl(tmp_path / "epochs.jsonl", documents)
    [result] = load([path], target).files
    assert result.rows_written == 6 and result.rows_rejected == 0
    for epoch, payload in query(target, "select epoch, payload from raw.epochs order by epoch"):
        data = json.loads(payload)["data"]
        expected = U128_MAX if epoch <= 3 else big
        assert data["domainStakingSummary"]["currentTotalStake"] == forms[epoch]
        assert parse_u128(data["operators"]["entries"][0]["value"]["currentTotalShares"]) == expected
        assert parse_u128(data["operatorEpochSharePrice"]["entries"][1]["value"]) == expected
