"""Pure parts of the roster pipeline: member checks, key-field hashes, the differential, retries."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

import pytest
from clans.clans_helpers import member

from warehouse.generate.clans import HEROES, MAX_TOWN_HALL, TROOPS, level_cap
from warehouse.loaders import roster
from warehouse.loaders.roster import Member, RetryPolicy, Snapshot, plan_clan
from warehouse.loaders.roster_members import member_hash, member_problem, screen
from warehouse.settings import project_root

T0 = datetime(2026, 3, 1, 12)


def snap(day: int, members: dict[str, str], file: str = "f", is_new: bool = True, payload: str | None = None):
    """A snapshot on day `day` with members {tag: hash}; the payload hash is the members' hashes."""
    return Snapshot(
        "#C",
        T0 + timedelta(days=day),
        payload or "|".join(f"{t}={h}" for t, h in sorted(members.items())),
        tuple(Member(t, h, f'{{"tag": "{t}"}}', i) for i, (t, h) in enumerate(sorted(members.items()), start=1)),
        file,
        is_new,
    )


def test_member_hash_ignores_ranks_only():
    base = member("#A", rank=1)
    assert member_hash(base) == member_hash({**base, "clanRank": 7, "previousClanRank": 9})
    assert member_hash(base) != member_hash({**base, "trophies": base["trophies"] + 1})
    assert member_hash(base) == member_hash(dict(reversed(list(base.items()))))  # key order does not matter


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"tag": ""}, "member without a tag"),
        ({"role": "elder"}, "member #A: unknown role 'elder'"),
        ({"trophies": "5000"}, "member #A: trophies is not a non-negative integer: '5000'"),
        ({"trophies": None}, "member #A: missing trophies"),
        ({"donations": -1}, "member #A: donations is not a non-negative integer: -1"),
        ({"townHallLevel": 0}, "member #A: townHallLevel must be at least 1"),
        ({"leagueTier": {"name": "Gold"}}, "member #A: leagueTier is not an object with an integer id and a name"),
        ({"heroes": [{"name": "Barbarian King", "level": "x"}]}, "member #A: heroes[0] is not a unit"),
        ({"troops": {"name": "Dragon"}}, "member #A: troops is not a list"),
    ],
)
def test_member_problems_name_the_member_and_the_field(change, reason):
    assert member_problem({**member("#A"), **change}).startswith(reason)


def test_good_members_of_both_shapes_pass_and_a_repeated_tag_is_rejected():
    legacy, current = member("#A", shape="legacy"), member("#B", heroes=[{"name": "Archer Queen", "level": 3}])
    kept, problems = screen([legacy, current, member("#A", trophies=1)])
    assert kept == [legacy, current]
    assert problems == [(2, "member #A: duplicate tag within the snapshot")]


def test_differential_writes_new_and_changed_members_only():
    first = snap(0, {"#A": "a1", "#B": "b1"}, file="f1")
    second = snap(1, {"#A": "a2", "#B": "b1", "#C": "c1"}, file="f2")
    plan = plan_clan([first, second], [], [], {}, None)
    assert [(r.member_tag, r.fetched_at.day) for r in plan.rows] == [("#A", 1), ("#B", 1), ("#A", 2), ("#C", 2)]
    assert dict(plan.compared) == {"f1": 2, "f2": 3} and dict(plan.written) == {"f1": 2, "f2": 2}
    assert plan.zero_delta == []


def test_a_zero_delta_snapshot_writes_nothing_and_is_flagged():
    state = {"#A": "a1", "#B": "b1"}
    same = snap(5, {"#A": "a1", "#B": "b1"})
    plan = plan_clan([same], [], [], state, previous_payload_hash=same.payload_hash)
    assert plan.rows == [] and plan.zero_delta == [same]
    assert dict(plan.compared) == {"f": 2} and dict(plan.written) == {}


def test_a_rejoiner_unchanged_since_leaving_writes_no_row():
    left = snap(1, {"#B": "b1"})
    back = snap(2, {"#A": "a1", "#B": "b1"})
    plan = plan_clan([left, back], [], [], {"#A": "a1", "#B": "b1"}, None)
    assert plan.rows == []


def test_rows_already_written_by_an_interrupted_load_are_not_written_again():
    again = snap(3, {"#A": "a2", "#B": "b2"})
    plan = plan_clan([again], [], [("#A", again.fetched_at, "a2")], {"#A": "a1", "#B": "b1"}, None)
    assert [r.member_tag for r in plan.rows] == ["#B"]


def test_a_late_snapshot_re_anchors_the_next_landed_one():
    # landed: day 0 A=x, day 2 A=x (no row: unchanged). Late: day 1 A=y. Day 2 must get a row A=x again,
    # or "the latest row at or before day 2" would say y.
    late = snap(1, {"#A": "y"}, file="late")
    landed = snap(2, {"#A": "x"}, file="old", is_new=False)
    plan = plan_clan([late], [landed], [], {"#A": "x"}, None)
    assert [(r.member_tag, r.member_hash, r.fetched_at.day, r.source_file) for r in plan.rows] == [
        ("#A", "y", 2, "late"),
        ("#A", "x", 3, "old"),
    ]
    assert dict(plan.compared) == {"late": 2} and dict(plan.written) == {"late": 2}


def test_retry_policy_backs_off_exponentially_within_bounds():
    policy = RetryPolicy(attempts=4, backoff_s=0.5, factor=2, max_backoff_s=1.5)
    assert [policy.delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 1.5]
    assert RetryPolicy.from_env({}) == RetryPolicy()
    assert RetryPolicy.from_env({roster.ATTEMPTS_ENV: "5", roster.BACKOFF_ENV: "0"}).attempts == 5
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy.from_env({roster.ATTEMPTS_ENV: "0"})


def test_fault_injection_targets_one_phase_and_the_first_attempts(monkeypatch):
    monkeypatch.setenv(roster.FAULT_ENV, "roster-phase:write_snapshot:1")
    with pytest.raises(roster.InjectedFault, match="write_snapshot"):
        roster.inject_fault("write_snapshot", 1)
    roster.inject_fault("write_snapshot", 2)
    roster.inject_fault("upsert_members", 1)


def test_the_unit_cap_seed_is_the_generators_caps():
    path = project_root() / "seeds" / "clans" / "clan_unit_level_caps.csv"
    with path.open() as handle:
        seed = {
            (r["unit_name"], int(r["town_hall_level"])): (r["category"], int(r["level_cap"]))
            for r in csv.DictReader(handle)
        }
    expected = {
        (name, th): ("hero" if (name, m, u, v) in HEROES else "lab", level_cap(m, u, th))
        for name, m, u, v in HEROES + TROOPS
        if v == "home"
        for th in range(1, MAX_TOWN_HALL + 1)
    }
    assert seed == expected
