"""The amount macros on both engines, with the SQL dbt compiles them to: every accepted form is exact up
to 2^128 − 1 (through the JSON extraction the staging models use), anything else raises — never 0."""

from __future__ import annotations

import json

import pytest
from staking.staking_helpers import U128_MAX
from warehouse_testing import compile_inline

from warehouse.loaders.amounts import AmountError, parse_u128
from warehouse.loaders.targets import open_warehouse

# Each amount arrives as the value "v" of a JSON document, as in an epoch payload.
AMOUNT_SQL = (
    "select {{ uint128_from_text('amount_text') }} as amount "
    "from (select {{ json_text(json_parse('doc'), ['v']) }} as amount_text from documents) as extracted"
)
SUM_SQL = "select {{ uint128_sum('amount') }} as total from amounts"
TEXT_SQL = "select {{ uint128_to_text('amount') }} as amount_text from amounts"
INTEGER_SQL = (
    "select {{ staking_integer('value_text') }} as value "
    "from (select {{ json_text(json_parse('doc'), ['v']) }} as value_text from documents) as extracted"
)

EXACT = [
    0,
    1,
    2**63 - 1,
    2**63,
    2**63 + 1,
    12345678901234567890,  # between 2^63 and 2^64
    2**64 - 1,
    2**64,
    2**64 + 1,
    10**24 + 7,
    2**127 - 1,
    2**127,
    U128_MAX - 1,
    U128_MAX,
]


def _forms(value: int) -> dict[str, str]:
    """The JSON text of `value` in each landing form: number, plain and comma decimal strings, hex (both cases)."""
    return {
        "json number": str(value),
        "decimal string": json.dumps(str(value)),
        "comma string": json.dumps(f"{value:,}"),
        "hex string": json.dumps(hex(value)),
        "upper hex string": json.dumps("0X" + format(value, "X")),
        "padded string": json.dumps(f"  {value:,} "),
    }


CASES = [(value, form, text) for value in EXACT for form, text in _forms(value).items()]

BAD = [
    '"12abc"',
    "1.5",
    "1e5",
    "-5",
    '"-5"',
    '""',
    '" "',
    '"1,25,000"',
    '",100"',
    '"1.5"',
    '"0x"',
    '"0xg1"',
    '"0x' + "f" * 33 + '"',
    '"1_000"',
    "true",
    str(U128_MAX + 1),
    json.dumps(f"{U128_MAX + 1:,}"),
    str(10**40),
]


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path_factory):
    """(target, compiled amount SQL, compiled sum SQL) per engine; the database is empty but for nothing."""
    if request.param == "duckdb":
        from warehouse.settings import target_from_env

        target = target_from_env(
            "duckdb", {"WAREHOUSE_DUCKDB_PATH": str(tmp_path_factory.mktemp("u128") / "warehouse.duckdb")}
        )
        yield target, *(compile_inline(target, sql) for sql in (AMOUNT_SQL, SUM_SQL, TEXT_SQL, INTEGER_SQL))
    else:
        target = request.getfixturevalue("postgres_module_target")
        yield target, *(compile_inline(target, sql) for sql in (AMOUNT_SQL, SUM_SQL, TEXT_SQL, INTEGER_SQL))


def _run(engine, sql: str, texts: list[str]) -> list[tuple]:
    """`sql` over a `documents (doc)` table holding {"v": <text>} for each text."""
    warehouse = open_warehouse(engine[0])
    try:
        values = ", ".join("(" + _literal('{"v": ' + text + "}") + ")" for text in texts)
        return warehouse.fetch(f"with documents (doc) as (values {values}) {sql}")
    finally:
        warehouse.close()


def _amounts(engine, texts: list[str]) -> list[int | None]:
    return [None if row[0] is None else int(row[0]) for row in _run(engine, engine[1], texts)]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_every_form_converts_exactly_up_to_2_128_minus_1(engine):
    got = _amounts(engine, [text for _, _, text in CASES])
    mismatches = [(v, form, g) for (v, form, _), g in zip(CASES, got, strict=True) if g != v]
    assert not mismatches, mismatches[:5]
    # the reference parser agrees on every input
    assert [parse_u128(json.loads(text)) for _, _, text in CASES] == [v for v, _, _ in CASES]


@pytest.mark.parametrize("text", BAD)
def test_a_value_in_no_accepted_form_raises_naming_it(engine, text):
    with pytest.raises(AmountError):
        parse_u128(json.loads(text))  # the loader rejects it too
    with pytest.raises(Exception) as raised:
        _amounts(engine, [text])
    message = str(raised.value)
    assert "128" in message, message
    # named as written (a JSON string's content or a number's token), or as the engine renders the token
    assert any(name in message for name in (text.strip('"').strip(), str(json.loads(text)).lower())), message


def test_an_absent_amount_stays_null_never_zero(engine):
    assert _amounts(engine, ["null"]) == [None]
    warehouse = open_warehouse(engine[0])
    try:
        assert warehouse.fetch(f"with documents (doc) as (values ('{{}}')) {engine[1]}") == [(None,)]
    finally:
        warehouse.close()


def test_sum_is_exact_to_2_128_minus_1_and_raises_beyond(engine):
    _, amount_sql, sum_sql, _, _ = engine
    summed = f", amounts as ({amount_sql}) {sum_sql}"
    [(total,)] = _run(engine, summed, [str(2**127), json.dumps(hex(2**127 - 1))])
    assert int(total) == U128_MAX
    [(total,)] = _run(engine, summed, [str(2**64 - 1)] * 5 + [json.dumps(f"{2**100:,}")])
    assert int(total) == 5 * (2**64 - 1) + 2**100
    with pytest.raises(Exception, match="(?i)overflow|above 2\\^128"):
        _run(engine, summed, [str(U128_MAX), "1"])


def test_exact_text_of_every_value(engine):
    _, amount_sql, _, text_sql, _ = engine
    texts = _run(engine, f", amounts as ({amount_sql}) {text_sql}", [str(v) for v in EXACT])
    assert [row[0] for row in texts] == [str(v) for v in EXACT]


def test_integer_fields_are_strict(engine):
    integer_sql = engine[4]
    rows = _run(engine, integer_sql, ["12", '"7"', "0", "-3", str(2**62)])
    assert [row[0] for row in rows] == [12, 7, 0, -3, 2**62]
    for bad in ("1.5", "1e5", '"12abc"', '"0x10"'):
        with pytest.raises(Exception, match="(?i)integer|bigint"):
            _run(engine, integer_sql, [bad])
