"""Helpers for the clans tests: roster documents by hand, and dbt runs of the clans selection."""

from __future__ import annotations

import json
from pathlib import Path

from warehouse_testing import dbt as run

from warehouse.build import BuildReport
from warehouse.settings import Target

CLAN = "#CLAN1"

CLANS_SELECT = [
    "stg_clans__roster_snapshots",
    "stg_clans__roster_members",
    "stg_ingestion__ingest_logs",
    "clan_unit_level_caps",
    "path:models/intermediate/clans",
    "path:models/marts/clans",
    "clan_member_history",
    "ingestion_health",
    "ingestion_alerts",
    "payload_versions",
    "path:tests/dbt/clans",
]


def dbt(
    target: Target, command: str = "build", *extra: str, select: list[str] | None = None, tests: bool = True
) -> BuildReport:
    """dbt `command` over the clans selection (or `select`); `tests=False` leaves the data and unit tests out."""
    return run(
        target, command, *extra, select=CLANS_SELECT if select is None else select, tests=tests, reuse_parse=True
    )


def refresh_payload_versions(target: Target) -> None:
    """What the `on-run-end` hook does: recompute ops.payload_versions after everything else."""
    report = run(target, "run-operation", "refresh_payload_versions", reuse_parse=True)
    assert report.success, report.error


def member(
    tag: str,
    *,
    role: str = "member",
    th: int = 10,
    trophies: int = 3000,
    bb: int = 2000,
    shape: str = "current",
    donations: int = 10,
    received: int = 5,
    rank: int = 1,
    name: str | None = None,
    heroes: list | None = None,
    troops: list | None = None,
) -> dict:
    """A roster member in the `current` (leagueTier, builderBaseTrophies) or `legacy` (league,
    versusTrophies) shape. The league is the same in both shapes, so a shape change alone changes no
    tracked attribute."""
    item: dict = {"tag": tag, "name": name or f"player {tag}", "role": role, "expLevel": 100, "townHallLevel": th}
    item["trophies"] = trophies
    league = {"id": 29000010, "name": "Gold League I"}
    if shape == "legacy":
        item["versusTrophies"] = bb
        item["league"] = league
    else:
        item["builderBaseTrophies"] = bb
        item["leagueTier"] = league
        item["builderBaseLeague"] = {"id": 44000010, "name": "Copper League I"}
    item.update(clanRank=rank, previousClanRank=rank, donations=donations, donationsReceived=received)
    if heroes is not None:
        item["heroes"] = heroes
    if troops is not None:
        item["troops"] = troops
    return item


def unit(name: str, level: int, max_level: int = 99, village: str = "home") -> dict:
    return {"name": name, "level": level, "maxLevel": max_level, "village": village}


def write_roster(folder: Path, fetched_at: str, members: list[dict], clan: str = CLAN) -> Path:
    """roster_<tag>_<stamp>.json with one snapshot, like the generator writes."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = fetched_at.replace("-", "").replace(":", "").replace(".000", "")
    path = folder / f"roster_{clan.lstrip('#')}_{stamp}.json"
    path.write_text(json.dumps({"clanTag": clan, "fetchedAt": fetched_at, "items": members}))
    return path
