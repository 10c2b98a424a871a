"""Roster members: what a landed member must look like, and the hash of its key fields.

Pure functions, shared by the roster reader (`documents.read_roster`, which rejects bad members) and
the roster pipeline (`roster.py`, which writes a member row only when its key-field hash changed).
"""

from __future__ import annotations

import hashlib
import json

ROLES = ("member", "admin", "coLeader", "leader")

#: Fields left out of the key-field hash: a member's rank moves whenever another member's trophies do.
VOLATILE_FIELDS = frozenset({"clanRank", "previousClanRank"})

#: Integer fields and whether a member must carry them. Older feeds carry `versusTrophies`, newer ones
#: `builderBaseTrophies`; both are optional, as are donations and ranks.
INTEGER_FIELDS = {
    "townHallLevel": True,
    "trophies": True,
    "expLevel": False,
    "builderBaseTrophies": False,
    "versusTrophies": False,
    "clanRank": False,
    "previousClanRank": False,
    "donations": False,
    "donationsReceived": False,
}
LEAGUE_FIELDS = ("league", "leagueTier", "builderBaseLeague")
UNIT_FIELDS = ("heroes", "troops")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def member_problem(member: object) -> str | None:
    """Why a roster member cannot land, or None. The reason names the member's tag when it has one."""
    tag = member.get("tag") if isinstance(member, dict) else None
    if not isinstance(tag, str) or not tag.strip():
        return "member without a tag"
    assert isinstance(member, dict)
    name = member.get("name")
    if not isinstance(name, str) or not name.strip():
        return f"member {tag}: missing name"
    if member.get("role") not in ROLES:
        return f"member {tag}: unknown role {member.get('role')!r} (expected one of {', '.join(ROLES)})"
    for field, required in INTEGER_FIELDS.items():
        if field not in member or member[field] is None:
            if required:
                return f"member {tag}: missing {field}"
            continue
        if not _is_count(member[field]):
            return f"member {tag}: {field} is not a non-negative integer: {member[field]!r}"
    if member["townHallLevel"] < 1:
        return f"member {tag}: townHallLevel must be at least 1: {member['townHallLevel']!r}"
    for field in LEAGUE_FIELDS:
        league = member.get(field)
        if league is None:
            continue
        if not isinstance(league, dict) or not _is_count(league.get("id")) or not isinstance(league.get("name"), str):
            return f"member {tag}: {field} is not an object with an integer id and a name: {league!r}"
    for field in UNIT_FIELDS:
        units = member.get(field)
        if units is None:
            continue
        if not isinstance(units, list):
            return f"member {tag}: {field} is not a list"
        for index, unit in enumerate(units):
            if (
                not isinstance(unit, dict)
                or not isinstance(unit.get("name"), str)
                or not _is_count(unit.get("level"))
                or not isinstance(unit.get("village", "home"), str)
            ):
                return f"member {tag}: {field}[{index}] is not a unit with a name and a non-negative integer level"
    return None


def screen(members: list) -> tuple[list[dict], list[tuple[int, str]]]:
    """The members that can land, and (index, reason) for those that cannot (a repeated tag included)."""
    kept: list[dict] = []
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, member in enumerate(members):
        problem = member_problem(member)
        if problem is None and member["tag"] in seen:
            problem = f"member {member['tag']}: duplicate tag within the snapshot"
        if problem is None:
            seen.add(member["tag"])
            kept.append(member)
        else:
            problems.append((index, problem))
    return kept, problems


def member_hash(member: dict) -> str:
    """SHA-256 of the canonical JSON of the member's key fields (every field but the volatile ranks)."""
    key_fields = {k: v for k, v in member.items() if k not in VOLATILE_FIELDS}
    text = json.dumps(key_fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
