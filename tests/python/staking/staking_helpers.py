"""Helpers for the staking tests: epoch documents by hand, dbt runs of the staking selection, mart
snapshots, and an independent Python reference of what the marts must hold (parsed with the loader's
exact amount parser, forward-filled as documented in models/intermediate/staking/_int_staking__docs.md).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from warehouse_testing import dbt as run

from warehouse.build import BuildReport
from warehouse.loaders.amounts import parse_u128
from warehouse.settings import Target

from landing import query

STAKING_SELECT = [
    "path:models/staging/staking",
    "path:models/intermediate/staking",
    "path:models/marts/staking",
    "path:tests/dbt/staking",
]
MARTS = {
    "operator_share_prices": ("domain_id", "epoch", "operator_id"),
    "operator_shares": ("domain_id", "epoch", "operator_id"),
    "operators": ("domain_id", "operator_id"),
    "epoch_analytics": ("domain_id", "epoch"),
    "operator_returns": ("domain_id", "epoch", "operator_id"),
}
STAGING = {
    "stg_staking__epochs": ("domain_id", "epoch"),
    "stg_staking__operator_share_prices": ("domain_id", "epoch", "operator_id"),
    "stg_staking__operator_stakes": ("domain_id", "epoch", "operator_id"),
    "stg_staking__operator_attributes": ("domain_id", "epoch", "operator_id"),
    "stg_staking__operator_rewards": ("domain_id", "epoch", "operator_id"),
}
U128_MAX = 2**128 - 1
TOKEN = 10**18
SECONDS_PER_YEAR = 365 * 86400


# dbt runs in this test session: in-process, with the project parsed once per engine and the manifest
# reused by every later invocation (a full parse of the whole project costs seconds each time), and a
# target folder of our own (none shared with other dbt runs in the project folder; removed at exit).
def dbt(target: Target, command: str = "build", *extra: str, full_refresh: bool = False) -> BuildReport:
    """dbt `command` over the staking selection (models, their tests, the domain's singular tests)."""
    return run(target, command, *extra, select=STAKING_SELECT, full_refresh=full_refresh, reuse_parse=True)


# --- epoch documents ------------------------------------------------------------------------------


def operator_entry(
    operator_id: int,
    stake: object = 10**24,
    shares: object = 10**24,
    status: str = "Registered",
    tax: int = 5,
    minimum: object = "10,000,000,000,000,000,000",
) -> dict:
    return {
        "key": [operator_id],
        "value": {
            "currentTotalStake": stake,
            "currentTotalShares": shares,
            "nominationTax": tax,
            "minimumNominatorStake": minimum,
            "signingKey": f"0x{operator_id:064x}",
            "partialStatus": status,
        },
    }


def epoch_doc(
    epoch: int,
    entries: list[dict],
    prices: dict[int, object],
    *,
    domain_id: int = 0,
    rewards: dict[int, object] | None = None,
    total_stake: object | None = None,
    hour_ms: int = 3_600_000,
) -> dict:
    """An epoch document: `entries` (operator_entry dicts), sparse `prices` {operator: value}; the active
    set is every Registered entry, with its stake (as written in the entry); rewards default to 5."""
    active = [e for e in entries if e["value"]["partialStatus"] == "Registered"]
    if rewards is None:
        rewards = {e["key"][0]: 5 for e in active}
    if total_stake is None:
        total_stake = str(sum(parse_u128(e["value"]["currentTotalStake"]) for e in active))
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp() * 1000 + epoch * hour_ms + 123
    stamp = datetime.fromtimestamp(moment / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "epoch": epoch,
        "domainId": domain_id,
        "endBlock": 600 * (epoch + 1),
        "endHash": f"0x{epoch:064x}",
        "timestamp": stamp,
        "data": {
            "domainStakingSummary": {
                "currentEpochIndex": epoch,
                "currentTotalStake": total_stake,
                "currentOperators": {str(e["key"][0]): e["value"]["currentTotalStake"] for e in active},
                "currentEpochRewards": {str(op): value for op, value in rewards.items()},
            },
            "operators": {"entries": entries},
            "operatorEpochSharePrice": {
                "entries": [{"key": [op, [domain_id, epoch]], "value": value} for op, value in prices.items()]
            },
        },
    }


def write_jsonl(path: Path, documents: list) -> Path:
    """JSON Lines; documents given as text are written verbatim (big JSON numbers stay numbers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in documents))
    return path


# --- reading results --------------------------------------------------------------------------------


def normalize(value: object) -> object:
    """Engine-neutral values: NUMERIC → int (exact) or float, JSON → dict."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str) and value[:1] == "{":
        return json.loads(value)
    return value


def table_rows(target: Target, relation: str, key: tuple[str, ...]) -> list[dict]:
    rows = query(target, f"select * from {relation} order by {', '.join(key)}")
    columns = [r[0] for r in query(target, _columns_sql(target, relation))]
    return [dict(zip(columns, (normalize(v) for v in row), strict=True)) for row in rows]


def _columns_sql(target: Target, relation: str) -> str:
    schema, table = relation.split(".")
    return (
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position"
    )


def snapshot(target: Target, tables: dict[str, tuple[str, ...]] | None = None, schema: str = "marts") -> dict:
    return {name: table_rows(target, f"{schema}.{name}", key) for name, key in (tables or MARTS).items()}


def without_marks(rows: list[dict]) -> list[dict]:
    """The rows without `event_seq`: the load order of the epoch's document (the models' incremental mark),
    which the Python reference of the documents does not know."""
    return [{column: value for column, value in row.items() if column != "event_seq"} for row in rows]


def assert_same_rows(left: list[dict], right: list[dict], label: str, rel: float = 1e-9) -> None:
    """Equal row for row; doubles within `rel` (relative) or 1e-12 (absolute)."""
    assert len(left) == len(right), f"{label}: {len(left)} rows vs {len(right)}"
    for a, b in zip(left, right, strict=True):
        assert a.keys() == b.keys(), f"{label}: columns {list(a)} vs {list(b)}"
        for column in a:
            x, y = a[column], b[column]
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None:
                    assert x is None and y is None, f"{label}.{column}: {x} vs {y} in {a}"
                else:
                    assert math.isclose(x, y, rel_tol=rel, abs_tol=1e-12), f"{label}.{column}: {x} vs {y} in {a}"
            else:
                assert x == y, f"{label}.{column}: {x!r} vs {y!r} in {a}"


# --- the Python reference -----------------------------------------------------------------------------


def newest_documents(batches: list[list[dict]]) -> dict[tuple[int, int], dict]:
    """What wins: per (domain, epoch) the last delivered document."""
    current: dict[tuple[int, int], dict] = {}
    for batch in batches:
        for document in batch:
            current[(document["domainId"], document["epoch"])] = document
    return current


def appearances(document: dict) -> dict[int, int | None]:
    """Operators the document names anywhere → observed perq (or None)."""
    data = document["data"]
    summary = data["domainStakingSummary"]
    named: dict[int, int | None] = {}
    for entry in data["operators"]["entries"]:
        named[entry["key"][0]] = None
    for field in ("currentOperators", "currentEpochRewards"):
        for operator in summary.get(field, {}):
            named[int(operator)] = None
    for entry in data["operatorEpochSharePrice"]["entries"]:
        named[entry["key"][0]] = parse_u128(entry["value"])
    return named


def expected_share_prices(documents: dict[tuple[int, int], dict]) -> list[dict]:
    """operator_share_prices by the documented forward fill: rows where the operator appears, from its first
    observed price on, carrying the last observed price."""
    last: dict[tuple[int, int], tuple[int, int]] = {}
    rows = []
    for domain_id, epoch in sorted(documents):
        for operator, perq in sorted(appearances(documents[(domain_id, epoch)]).items()):
            if perq is not None:
                last[(domain_id, operator)] = (perq, epoch)
            if (domain_id, operator) not in last:
                continue
            carried, observed_epoch = last[(domain_id, operator)]
            rows.append(
                {
                    "epoch": epoch,
                    "domain_id": domain_id,
                    "operator_id": operator,
                    "share_price_perq": carried,
                    "share_price_perq_text": str(carried),
                    "share_price_perq_double": float(carried),
                    "share_price": carried / 1e18,
                    "is_observed": perq is not None,
                    "observed_epoch": observed_epoch,
                }
            )
    return sorted(rows, key=lambda r: (r["domain_id"], r["epoch"], r["operator_id"]))


def expected_shares(documents: dict[tuple[int, int], dict]) -> list[dict]:
    rows = []
    for (domain_id, epoch), document in documents.items():
        for entry in document["data"]["operators"]["entries"]:
            value = entry["value"]
            rows.append(
                {
                    "epoch": epoch,
                    "domain_id": domain_id,
                    "operator_id": entry["key"][0],
                    "total_shares": parse_u128(value["currentTotalShares"]),
                    "total_stake": parse_u128(value["currentTotalStake"]),
                    "total_shares_double": float(parse_u128(value["currentTotalShares"])),
                    "total_stake_double": float(parse_u128(value["currentTotalStake"])),
                    "status": value["partialStatus"],
                }
            )
    return sorted(rows, key=lambda r: (r["domain_id"], r["epoch"], r["operator_id"]))


def expected_returns_growth(documents: dict[tuple[int, int], dict]) -> dict[tuple[int, int, int], float | None]:
    """(domain, epoch, operator) → epoch-over-epoch growth of stake per share since its previous listing."""
    previous: dict[tuple[int, int], float | None] = {}
    growth = {}
    for domain_id, epoch in sorted(documents):
        for entry in documents[(domain_id, epoch)]["data"]["operators"]["entries"]:
            operator = entry["key"][0]
            shares = parse_u128(entry["value"]["currentTotalShares"])
            sps = parse_u128(entry["value"]["currentTotalStake"]) / shares if shares else None
            before = previous.get((domain_id, operator))
            growth[(domain_id, epoch, operator)] = sps / before - 1 if before and sps is not None else None
            previous[(domain_id, operator)] = sps
    return growth
