"""Small builders for landing files and queries against a target."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from warehouse.loaders.targets import open_warehouse
from warehouse.settings import Target
from warehouse.status import raw_counts

VOTE_COLUMNS = ["event_id", "user_id", "nft_a", "nft_b", "winner", "vote_type", "occurred_at"]
SLIDER_COLUMNS = ["event_id", "user_id", "nft_id", "value", "occurred_at"]
FIRE_COLUMNS = ["event_id", "user_id", "nft_id", "occurred_at"]


def write_csv(path: Path, columns: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def vote(
    event_id: str,
    at: str = "2026-03-01T12:00:00Z",
    a: str = "nft_1",
    b: str = "nft_2",
    winner: str | None = None,
    vote_type: str = "normal",
    user: str = "u_1",
) -> list:
    return [event_id, user, a, b, winner or a, vote_type, at]


def write_jsonl(path: Path, documents: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in documents))
    return path


def query(target: Target, sql: str) -> list[tuple]:
    warehouse = open_warehouse(target)
    try:
        return warehouse.fetch(sql)
    finally:
        warehouse.close()


def scalar(target: Target, sql: str):
    return query(target, sql)[0][0]


def raw_fingerprint(target: Target) -> dict[str, int]:
    """Row counts of every raw table: equal fingerprints mean nothing landed in between."""
    return raw_counts(target)


def epoch_document(
    epoch: int,
    *,
    stake: object = 10**24,
    share_price: object = 10**18,
    operators: int = 2,
    domain_id: int = 0,
    timestamp: str | None = None,
) -> dict:
    ops = list(range(operators))
    return {
        "epoch": epoch,
        "domainId": domain_id,
        "endBlock": 1000 + epoch,
        "endHash": f"0x{epoch:064x}",
        "timestamp": timestamp or f"2026-01-01T{epoch % 24:02d}:00:00Z",
        "data": {
            "domainStakingSummary": {
                "currentEpochIndex": epoch,
                "currentTotalStake": stake,
                "currentOperators": {str(o): stake for o in ops},
                "currentEpochRewards": {str(o): 5 for o in ops},
            },
            "operators": {
                "entries": [
                    {
                        "key": [o],
                        "value": {
                            "currentTotalStake": stake,
                            "currentTotalShares": stake,
                            "nominationTax": 5,
                            "minimumNominatorStake": "10,000,000,000,000,000,000",
                            "signingKey": "0xabc",
                            "partialStatus": "Registered",
                        },
                    }
                    for o in ops
                ]
            },
            "operatorEpochSharePrice": {
                "entries": [{"key": [o, [domain_id, epoch]], "value": share_price} for o in ops]
            },
        },
    }


def roster_document(fetched_at: str, members: list[dict], clan: str = "#2PQU0LY") -> dict:
    return {"clanTag": clan, "fetchedAt": fetched_at, "items": members}


def member(tag: str | None, name: str = "player", role: str = "member") -> dict:
    item = {
        "name": name,
        "role": role,
        "expLevel": 100,
        "townHallLevel": 12,
        "trophies": 3000,
        "builderBaseTrophies": 2000,
        "leagueTier": {"id": 105000001, "name": "Gold"},
        "clanRank": 1,
        "previousClanRank": 1,
        "donations": 10,
        "donationsReceived": 5,
    }
    if tag is not None:
        item["tag"] = tag
    return item
