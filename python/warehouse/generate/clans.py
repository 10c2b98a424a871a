"""The clans domain: roster snapshots of one clan, fetched on a schedule.

Members join, leave and rejoin, get promoted or demoted, push trophies, donate (donations reset at each
month's season start) and level up. The first ~40% of a world's snapshots use the older API shape
(``league`` + ``versusTrophies``, no ``builderBaseLeague``); later ones ``leagueTier`` +
``builderBaseTrophies`` + ``builderBaseLeague``. Player details (``heroes``, ``troops``) are present on
~30% of snapshots. Now and then a fetch returns exactly the previous payload (a zero-delta snapshot).
"""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime, timezone

import numpy as np

from .clock import DAY_MS, MINUTE_MS, SECOND_MS, compact_stamp, iso_one
from .text import gamer_name

TAG_ALPHABET = "0289PYLQGRJCUV"
DETAIL_SHARE = 0.3
ZERO_DELTA_START = 0.02
OLD_SHAPE_SHARE = 0.4
MAX_TOWN_HALL = 17

LEGACY_LEAGUES = [
    (0, "Unranked"),
    (400, "Bronze League III"),
    (500, "Bronze League II"),
    (600, "Bronze League I"),
    (800, "Silver League III"),
    (1000, "Silver League II"),
    (1200, "Silver League I"),
    (1400, "Gold League III"),
    (1600, "Gold League II"),
    (1800, "Gold League I"),
    (2000, "Crystal League III"),
    (2200, "Crystal League II"),
    (2400, "Crystal League I"),
    (2600, "Master League III"),
    (2800, "Master League II"),
    (3000, "Master League I"),
    (3200, "Champion League III"),
    (3500, "Champion League II"),
    (3800, "Champion League I"),
    (4100, "Titan League III"),
    (4400, "Titan League II"),
    (4700, "Titan League I"),
    (5000, "Legend League"),
]
TIER_GROUPS = [
    "Skeleton",
    "Barbarian",
    "Archer",
    "Wizard",
    "Valkyrie",
    "Witch",
    "Golem",
    "P.E.K.K.A",
    "Titan",
    "Dragon",
    "Electro",
]
LEAGUE_TIERS = (
    [(0, "Unranked")]
    + [(150 * (i + 1), f"{TIER_GROUPS[i // 3]} League {i + 1}") for i in range(33)]
    + [(5000, "Legend League")]
)
BUILDER_LEAGUES = (
    [(0, "Unranked")]
    + [
        (200 * (i + 1), f"{metal} League {roman}")
        for i, (metal, roman) in enumerate(
            (m, r)
            for m in (
                "Wood",
                "Clay",
                "Stone",
                "Copper",
                "Brass",
                "Iron",
                "Steel",
                "Titanium",
                "Platinum",
                "Emerald",
                "Ruby",
            )
            for r in ("V", "IV", "III", "II", "I")
        )
    ]
    + [(11_200, "Diamond League")]
)

# (name, max level, town hall that unlocks it, village)
HEROES = [
    ("Barbarian King", 95, 7, "home"),
    ("Archer Queen", 95, 9, "home"),
    ("Grand Warden", 70, 11, "home"),
    ("Royal Champion", 45, 13, "home"),
    ("Battle Machine", 35, 1, "builderBase"),
]
TROOPS = [
    ("Barbarian", 12, 1, "home"),
    ("Archer", 12, 2, "home"),
    ("Giant", 12, 2, "home"),
    ("Goblin", 9, 2, "home"),
    ("Wall Breaker", 13, 3, "home"),
    ("Balloon", 11, 4, "home"),
    ("Wizard", 12, 5, "home"),
    ("Healer", 9, 6, "home"),
    ("Dragon", 12, 7, "home"),
    ("P.E.K.K.A", 11, 8, "home"),
    ("Baby Dragon", 10, 9, "home"),
    ("Miner", 10, 10, "home"),
    ("Electro Dragon", 7, 11, "home"),
    ("Yeti", 6, 12, "home"),
    ("Dragon Rider", 4, 13, "home"),
    ("Electro Titan", 4, 14, "home"),
    ("Root Rider", 3, 15, "home"),
    ("Thrower", 3, 16, "home"),
    ("Raged Barbarian", 20, 1, "builderBase"),
    ("Sneaky Archer", 20, 1, "builderBase"),
    ("Boxer Giant", 20, 1, "builderBase"),
    ("Beta Minion", 20, 1, "builderBase"),
]

ROLE_UP = {"member": "admin", "admin": "coLeader"}
ROLE_DOWN = {"coLeader": "admin", "admin": "member"}


def _league(table: list[tuple[int, str]], base_id: int, trophies: int) -> dict:
    idx = 0
    for i, (threshold, _) in enumerate(table):
        if trophies >= threshold:
            idx = i
    return {"id": base_id + idx, "name": table[idx][1]}


def level_cap(max_level: int, unlock: int, town_hall: int) -> int:
    """The highest level a home-village unit can reach at ``town_hall`` (0 while locked)."""
    if town_hall < unlock:
        return 0
    span = MAX_TOWN_HALL - unlock + 1
    return max(1, min(max_level, -(-max_level * (town_hall - unlock + 1) // span)))


UNITS = HEROES + TROOPS


def _cap(unit: tuple[str, int, int, str], town_hall: int) -> int:
    name, max_level, unlock, village = unit
    return level_cap(max_level, unlock, town_hall) if village == "home" else max_level


def _unlock_units(member: dict, progress: float) -> None:
    """Give every unit unlocked at the member's town hall a level (new ones start near ``progress`` x cap)."""
    levels: dict[str, int] = member["levels"]
    for unit in UNITS:
        cap = _cap(unit, member["townHallLevel"])
        if cap and unit[0] not in levels:
            levels[unit[0]] = max(1, int(cap * progress))


def _upgrade_units(rng: np.random.Generator, member: dict, days: float) -> None:
    levels: dict[str, int] = member["levels"]
    open_units = [u for u in UNITS if u[0] in levels and levels[u[0]] < _cap(u, member["townHallLevel"])]
    for _ in range(int(rng.poisson(0.8 * days))):
        if not open_units:
            break
        unit = open_units[int(rng.integers(0, len(open_units)))]
        levels[unit[0]] += 1
        if levels[unit[0]] >= _cap(unit, member["townHallLevel"]):
            open_units.remove(unit)


def _units(table: list[tuple[str, int, int, str]], member: dict) -> list[dict]:
    levels: dict[str, int] = member["levels"]
    return [
        {"name": name, "level": levels[name], "maxLevel": max_level, "village": village}
        for name, max_level, _, village in table
        if name in levels
    ]


def new_tag(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        tag = "#" + "".join(TAG_ALPHABET[int(i)] for i in rng.integers(0, len(TAG_ALPHABET), 9))
        if tag not in taken:
            taken.add(tag)
            return tag


def _new_member(rng: np.random.Generator, taken: set[str]) -> dict:
    th = int(rng.integers(9, 17))
    member = {
        "tag": new_tag(rng, taken),
        "name": gamer_name(rng),
        "role": "member",
        "expLevel": int(rng.integers(8 * th, 14 * th)),
        "townHallLevel": th,
        "trophies": max(0, int(rng.normal(330 * th - 900, 500))),
        "bbTrophies": max(0, int(rng.normal(3500, 1200))),
        "donations": 0,
        "donationsReceived": 0,
        "donationRate": float(rng.lognormal(np.log(25), 1.0)),
        "receiveRate": float(rng.lognormal(np.log(20), 0.6)),
        "inClan": True,
        "prevRank": 0,
        "levels": {},
    }
    _unlock_units(member, float(rng.uniform(0.55, 1.0)))
    return member


def initial_state(rng: np.random.Generator, members: int, snapshots: int, first_fetch_ms: int, cadence_ms: int) -> dict:
    """A clan of ``members`` players (one leader, a few co-leaders and admins) before its first fetch."""
    taken: set[str] = set()
    tag = new_tag(rng, taken)
    roster = [_new_member(rng, taken) for _ in range(members)]
    roster[0]["role"] = "leader"
    for m in roster[1 : 1 + max(1, members // 15)]:
        m["role"] = "coLeader"
    for m in roster[1 + max(1, members // 15) : 1 + max(1, members // 15) + max(2, members // 6)]:
        m["role"] = "admin"
    for m in roster:
        m["prevRank"] = 0
    return {
        "clan_tag": tag,
        "index": 0,
        "cadence_ms": cadence_ms,
        "first_fetch_ms": first_fetch_ms,
        "last_fetched_ms": first_fetch_ms - cadence_ms,
        "old_shape_until": int(round(OLD_SHAPE_SHARE * snapshots)),
        "target": members,
        "season": _season(first_fetch_ms - cadence_ms),
        "zero_run_left": 0,
        "last_items": None,
        "members": roster,
    }


def _season(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m")


def _evolve(rng: np.random.Generator, state: dict, fetched: int) -> None:
    days = (fetched - state["last_fetched_ms"]) / DAY_MS
    members: list[dict] = state["members"]
    taken = {m["tag"] for m in members}
    season = _season(fetched)
    reset = season != state["season"]
    state["season"] = season
    current = [m for m in members if m["inClan"]]
    for m in current:
        m["trophies"] = max(0, m["trophies"] + int(rng.normal(8 * days, 45 * np.sqrt(days))))
        m["bbTrophies"] = max(0, m["bbTrophies"] + int(rng.normal(5 * days, 30 * np.sqrt(days))))
        if reset:
            m["donations"], m["donationsReceived"] = 0, 0
        m["donations"] += int(rng.poisson(m["donationRate"] * days))
        m["donationsReceived"] += int(rng.poisson(m["receiveRate"] * days))
        m["expLevel"] += int(rng.poisson(0.12 * days))
        if m["townHallLevel"] < MAX_TOWN_HALL and rng.random() < days / 120:
            m["townHallLevel"] += 1
            _unlock_units(m, 0.0)
        _upgrade_units(rng, m, days)
        if rng.random() < 0.003:
            m["name"] = gamer_name(rng)
        if m["role"] != "leader" and rng.random() < 0.015:
            m["role"] = ROLE_UP.get(m["role"], m["role"]) if rng.random() < 0.7 else ROLE_DOWN.get(m["role"], m["role"])
    if rng.random() < 0.004:
        coleaders = [m for m in current if m["role"] == "coLeader"]
        if coleaders:
            leader = next(m for m in current if m["role"] == "leader")
            leader["role"], coleaders[0]["role"] = "coLeader", "leader"
    p_leave = min(0.15, 0.012 * days)
    if rng.random() < 0.004:
        p_leave = 0.25  # a purge of inactive members
    leavers = [m for m in current if m["role"] != "leader" and rng.random() < p_leave]
    for m in leavers:
        m["inClan"] = False
        m["prevRank"] = 0
        if m["role"] != "member":
            m["role"] = "member"
    size = len(current) - len(leavers)
    n_join = int(rng.poisson(p_leave * state["target"] * 0.9))
    if size + n_join < state["target"] - 3:
        n_join = state["target"] - size - int(rng.integers(0, 3))
    n_join = min(n_join, max(0, state["target"] + 3 - size))
    just_left = {m["tag"] for m in leavers}
    former = [m for m in members if not m["inClan"] and m["tag"] not in just_left]
    for _ in range(n_join):
        if former and rng.random() < 0.4:
            m = former.pop(int(rng.integers(0, len(former))))
            m["inClan"] = True
            m["role"] = "member"
            m["donations"], m["donationsReceived"] = 0, 0
        else:
            m = _new_member(rng, taken)
            members.append(m)
        m["prevRank"] = 0


def _items(state: dict, old_shape: bool, details: bool) -> list[dict]:
    current = [m for m in state["members"] if m["inClan"]]
    current.sort(key=lambda m: (-m["trophies"], m["tag"]))
    items = []
    for rank, m in enumerate(current, start=1):
        item: dict = {
            "tag": m["tag"],
            "name": m["name"],
            "role": m["role"],
            "expLevel": m["expLevel"],
            "townHallLevel": m["townHallLevel"],
            "trophies": m["trophies"],
        }
        if old_shape:
            item["versusTrophies"] = m["bbTrophies"]
            item["league"] = _league(LEGACY_LEAGUES, 29_000_000, m["trophies"])
        else:
            item["builderBaseTrophies"] = m["bbTrophies"]
            item["leagueTier"] = _league(LEAGUE_TIERS, 105_000_000, m["trophies"])
            item["builderBaseLeague"] = _league(BUILDER_LEAGUES, 44_000_000, m["bbTrophies"])
        item.update(
            {
                "clanRank": rank,
                "previousClanRank": m["prevRank"],
                "donations": m["donations"],
                "donationsReceived": m["donationsReceived"],
            }
        )
        if details:
            item["heroes"] = _units(HEROES, m)
            item["troops"] = _units(TROOPS, m)
        items.append(item)
        m["prevRank"] = rank
    return items


def snapshots(
    rng: np.random.Generator, state: dict, fetch_times: list[int], force_zero_delta: bool = False
) -> list[tuple[str, dict]]:
    """(file name, document) per fetch time; advances ``state`` in place.

    ``force_zero_delta`` guarantees at least one zero-delta snapshot in the second half of the batch.
    """
    out: list[tuple[str, dict]] = []
    forced_at = len(fetch_times) // 2 + int(rng.integers(0, max(1, len(fetch_times) - len(fetch_times) // 2 - 1)))
    zero_seen = False
    for k, fetched in enumerate(fetch_times):
        last = state["last_items"]
        repeat = last is not None and (
            state["zero_run_left"] > 0 or (force_zero_delta and not zero_seen and k == forced_at)
        )
        if repeat:
            state["zero_run_left"] = max(0, state["zero_run_left"] - 1)
            items = deepcopy(last)
            zero_seen = True
        else:
            _evolve(rng, state, fetched)
            old_shape = state["index"] < state["old_shape_until"]
            details = rng.random() < DETAIL_SHARE or k == len(fetch_times) - 1
            items = _items(state, old_shape, details)
            state["last_items"] = items
            if rng.random() < ZERO_DELTA_START:
                state["zero_run_left"] = int(rng.integers(1, 4))
        state["last_fetched_ms"] = fetched
        state["index"] += 1
        doc = {"clanTag": state["clan_tag"], "fetchedAt": iso_one(fetched), "items": items}
        name = f"roster_{state['clan_tag'].lstrip('#')}_{compact_stamp(fetched)}.json"
        out.append((name, doc))
    return out


def fetch_schedule(rng: np.random.Generator, state: dict, until_ms: int, at_least_one: bool = True) -> list[int]:
    """The scheduled fetches after the state's last one up to ``until_ms``, each up to 90 s late.

    With ``at_least_one`` and nothing due, one off-schedule fetch just before ``until_ms``.
    """
    cadence = int(state["cadence_ms"])
    first, last = int(state["first_fetch_ms"]), int(state["last_fetched_ms"])
    next_base = first + ((last - first) // cadence + 1) * cadence
    n = max(0, (until_ms - 90 * SECOND_MS - next_base) // cadence + 1)
    if n == 0:
        return [max(last + MINUTE_MS, until_ms - MINUTE_MS)] if at_least_one and until_ms > last + MINUTE_MS else []
    base = next_base + cadence * np.arange(n, dtype=np.int64)
    jitter = rng.integers(0, 90 * SECOND_MS, n)
    return [int(v) for v in base + jitter]
