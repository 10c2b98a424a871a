"""A clan's history by hand, built step by step on DuckDB and on PostgreSQL: old and new roster shapes,
a role change, a member who leaves and rejoins, three identical snapshots, a 30 % member drop, a
member's rush % against a hand computation, and a load phase that fails and is completed later.

Clan #CLAN1, snapshots at 12:00 UTC (load → build after each batch):
  load 1  S1 03-01, S2 03-02   legacy shape (league, versusTrophies); A..J, A pushes trophies
  load 2  S3 03-03             new shape (leagueTier, builderBaseTrophies); B promoted to admin, C leaves,
          S4 03-04, S5 03-05   K joins; S4 and S5 identical to S3 (zero deltas: 3 identical in a row)
  load 3  S6 03-06             D, E, F leave: 10 → 7 members (a 30 % drop)
          S7 03-10             C rejoins (with player details), 8 members: recovered
  load 4  S8 03-11             write_snapshot fails after its retries; loaded again later
"""

from __future__ import annotations

from datetime import datetime

import pytest
from clans.clans_helpers import CLAN, dbt, member, unit, write_roster
from warehouse_testing import failures

from warehouse.loaders import roster
from warehouse.loaders.run import load

from landing import query, scalar

TAGS = "ABCDEFGHIJ"
DAY = {k: f"2026-03-{d:02d}T12:00:00.000Z" for k, d in zip(range(1, 9), (1, 2, 3, 4, 5, 6, 10, 11), strict=True)}


def at(k: int) -> datetime:
    return datetime.fromisoformat(DAY[k].replace("Z", ""))


def roster_of(tags: str, shape: str, a_trophies: int, **changes) -> list[dict]:
    members = []
    for rank, tag in enumerate(tags, start=1):
        item = member(
            f"#{tag}",
            role="leader" if tag == "A" else ("admin" if tag == "B" and shape == "current" else "member"),
            trophies=a_trophies if tag == "A" else 2000 + ord(tag),  # ranks move, trophies do not
            shape=shape,
            rank=rank,
        )
        members.append({**item, **changes.get(tag, {})})
    return members


C_DETAILS = {
    "heroes": [unit("Barbarian King", 20), unit("Archer Queen", 15), unit("Battle Machine", 30, village="builderBase")],
    "troops": [unit("Barbarian", 7), unit("Archer", 8), unit("Giant", 3), unit("Dragon", 2), unit("Miner", 1)],
}

SNAPSHOTS = {
    1: roster_of(TAGS, "legacy", 3000),
    2: roster_of(TAGS, "legacy", 3050),
    3: roster_of("ABDEFGHIJK", "current", 3050),
    4: roster_of("ABDEFGHIJK", "current", 3050),
    5: roster_of("ABDEFGHIJK", "current", 3050),
    6: roster_of("ABGHIJK", "current", 3100),
    7: roster_of("ABCGHIJK", "current", 3200, C={"townHallLevel": 10, **C_DETAILS}),
    8: roster_of("ABCGHIJK", "current", 3300),
}


def _build(target, tests: bool = False):
    report = dbt(target, tests=tests)
    assert report.success, failures(report)


@pytest.fixture(scope="module")
def history(module_target, tmp_path_factory):
    """Runs the scenario; yields {step: facts observed right after it} and the target."""
    target, folder = module_target, tmp_path_factory.mktemp("rosters")
    seen: dict[str, object] = {}
    batches = {1: (1, 2), 2: (3, 4, 5), 3: (6, 7)}
    for batch, keys in batches.items():
        paths = [write_roster(folder / f"batch{batch}", DAY[k], SNAPSHOTS[k]) for k in keys]
        report = load(paths, target)
        assert report.ok, report.error
        seen[f"run{batch}"] = report.run_id
        _build(target)
        seen[f"scd{batch}"] = query(
            target, "select member_tag, role from snapshots.clan_member_history order by member_tag, dbt_valid_from"
        )
    s8 = write_roster(folder / "batch4", DAY[8], SNAPSHOTS[8])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(roster.FAULT_ENV, "roster-phase:write_snapshot")
        patch.setenv(roster.BACKOFF_ENV, "0")
        failed = load([s8], target)
    assert failed.error and "write_snapshot" in failed.error
    seen["run4"], seen["s8"] = failed.run_id, str(s8)
    _build(target)
    seen["alerts_after_failure"] = query(
        target, "select alert_type, severity, is_open, phase, file from ops.ingestion_alerts order by alert_type"
    )
    seen["members_after_failure"] = query(
        target, "select member_tag, trophies from marts.clan_members where member_tag = '#A'"
    )
    rerun = load([s8], target)
    assert rerun.ok, rerun.error
    seen["run5"] = rerun.run_id
    _build(target, tests=True)
    yield target, seen


def test_members_of_both_roster_shapes_are_typed_alike(history):
    target, _ = history
    rows = query(
        target,
        """select fetched_at, roster_shape, league_id, league_name, builder_base_trophies, builder_base_league_name
           from staging.stg_clans__roster_members where member_tag = '#A' order by fetched_at""",
    )
    assert [(r[0], r[1]) for r in rows] == [
        (at(k), s)
        for k, s in ((1, "legacy"), (2, "legacy"), (3, "current"), (6, "current"), (7, "current"), (8, "current"))
    ]
    assert rows[0][2:] == (29000010, "Gold League I", 2000, None)  # league and versusTrophies
    assert rows[2][2:] == (29000010, "Gold League I", 2000, "Copper League I")  # leagueTier, builderBaseTrophies


def test_zero_delta_snapshots_write_no_member_rows(history):
    target, seen = history
    per_snapshot = dict(
        query(
            target,
            """select s.fetched_at, count(m.member_tag) from raw.roster_snapshots s
               left join raw.roster_members m on m.clan_tag = s.clan_tag and m.fetched_at = s.fetched_at
               group by s.fetched_at""",
        )
    )
    # S1: everyone; S2: A; S3: the shape changed, so everyone (10); S4, S5: nothing; S6: A; S7: A, C; S8: A, C
    assert [per_snapshot[at(k)] for k in range(1, 9)] == [10, 1, 10, 0, 0, 1, 2, 2]
    flags = query(target, "select is_zero_delta from intermediate.int_roster_snapshots_compared order by fetched_at")
    assert [f for (f,) in flags] == [False, False, False, True, True, False, False, False]
    health = query(
        target,
        f"select n_snapshots, n_zero_delta_snapshots, member_rows_written, status "
        f"from ops.ingestion_health where run_id = '{seen['run2']}'",
    )
    assert health == [(3, 2, 10, "ok")]


def test_a_role_change_is_two_scd_rows(history):
    _, seen = history
    assert [r for t, r in seen["scd1"] if t == "#B"] == ["member"]
    assert [r for t, r in seen["scd2"] if t == "#B"] == ["member", "admin"]
    assert [r for t, r in seen["scd2"] if t == "#D"] == ["member"]  # a shape change alone is no new version


def test_a_member_who_leaves_and_rejoins_has_two_spells_and_tenure_restarts(history):
    target, _ = history
    members = {
        r[0]: r[1:]
        for r in query(
            target,
            """select member_tag, is_current_member, joined_at, left_at, tenure_days, n_spells, first_joined_at
               from marts.clan_members""",
        )
    }
    assert members["#C"] == (True, at(7), None, 1, 2, at(1))  # rejoined 03-10, latest snapshot 03-11
    assert members["#D"] == (False, at(1), at(6), 4, 1, at(1))  # 03-01 .. 03-05, gone at 03-06
    assert members["#K"] == (True, at(3), None, 8, 1, at(3))
    tenure = query(
        target,
        """select as_of, value from marts.member_metrics
           where member_tag = '#C' and metric_name = 'tenure_days' order by as_of""",
    )
    assert tenure == [(at(1), 0), (at(2), 1), (at(7), 0), (at(8), 1)]


def test_joined_and_left_counts_follow_the_snapshots(history):
    target, _ = history
    rows = query(
        target,
        "select member_count, members_joined, members_left from intermediate.int_roster_snapshots_compared"
        " order by fetched_at",
    )
    assert rows == [(10, None, None), (10, 0, 0), (10, 1, 1), (10, 0, 0), (10, 0, 0), (7, 0, 3), (8, 1, 0), (8, 0, 0)]


def test_rush_pct_matches_a_hand_computation(history):
    target, _ = history
    # C is at town hall 10; caps at town hall 9 (seed): heroes King 26, Queen 11 (Warden, Champion locked);
    # troops Barbarian 7, Archer 6, Giant 6, Goblin 5, Wall Breaker 7, Balloon 5, Wizard 5, Healer 3,
    # Dragon 4, P.E.K.K.A 3, Baby Dragon 2 (Miner and later: 0) → hero caps 37, lab caps 53.
    # Counted: King min(20, 26) = 20, Queen min(15, 11) = 11; Barbarian 7, Archer min(8, 6) = 6, Giant 3,
    # Dragon 2, Miner min(1, 0) = 0, the other troops 0 (not unlocked); Battle Machine is builder base.
    hero, lab = 20 + 11, 7 + 6 + 3 + 2 + 0
    expected = {
        "rush_pct_hero": 100 - 100 * hero / 37,
        "rush_pct_lab": 100 - 100 * lab / 53,
        "rush_pct_overall": 100 - 100 * (hero + lab) / (37 + 53),
    }
    got = dict(
        query(
            target,
            f"""select metric_name, value from marts.member_metrics
                where member_tag = '#C' and metric_name like 'rush_pct%' and as_of = '{at(7):%Y-%m-%d %H:%M:%S}'""",
        )
    )
    assert got == pytest.approx(expected, rel=1e-12)
    assert round(got["rush_pct_overall"], 4) == 45.5556
    no_details = query(
        target,
        f"""select count(*), count(value) from marts.member_metrics
            where metric_name like 'rush_pct%' and as_of = '{at(8):%Y-%m-%d %H:%M:%S}'""",
    )
    assert no_details == [(24, 0)]  # 8 members × 3 rush metrics, none with details at S8


def test_trophy_deltas_use_the_latest_observation_at_or_before_the_window_start(history):
    target, _ = history
    rows = query(
        target,
        """select as_of, "window", value from marts.member_metrics
           where member_tag = '#A' and metric_name = 'trophy_delta' and as_of >= '2026-03-10' order by as_of, 2""",
    )
    # S7 (03-10): 7 days back is 03-03 12:00 → S3 (3050); S8 (03-11): 03-04 → S4 (3050); 30 days: no data
    assert rows == [(at(7), "30d", None), (at(7), "7d", 150), (at(8), "30d", None), (at(8), "7d", 250)]


def test_alerts_for_identical_snapshots_a_member_drop_and_a_failed_phase(history):
    target, seen = history
    assert ("failed_phase", "critical", True, "write_snapshot", seen["s8"]) in seen["alerts_after_failure"]
    # while S8's snapshot had not landed, its member rows (written before the failure) changed nothing
    assert seen["members_after_failure"] == [("#A", 3200)]
    alerts = {
        r[0]: r[1:]
        for r in query(
            target,
            """select alert_type, severity, is_open, observed_value, threshold_value, first_seen_at, last_seen_at,
                      closed_at, n_occurrences, clan_tag, run_id
               from ops.ingestion_alerts""",
        )
    }
    assert set(alerts) == {"zero_deltas", "members_missing", "failed_phase"}
    # the payload of S3 repeated in S4 and S5: raised at S5, closed by the change at S6
    assert alerts["zero_deltas"] == ("warning", False, 3, 3, at(5), at(5), at(6), 1, CLAN, None)
    # 10 → 7 members at S6 (30 % > 20 %, under the 40 % of `critical`); back to 8 (within 20 %) at S7
    assert alerts["members_missing"] == ("warning", False, 30, 20, at(6), at(6), at(7), 1, CLAN, None)
    severity, is_open, occurrences, _, first_seen, _, closed_at, n, clan, run_id = alerts["failed_phase"]
    assert (severity, is_open, occurrences, n, clan, run_id) == ("critical", False, 1, 1, None, seen["run4"])
    run_times = dict(query(target, "select run_id, started_at from ops.ingestion_health"))
    assert closed_at == run_times[seen["run5"]] and first_seen >= run_times[seen["run4"]]
    health = query(target, f"select status, failed_phases from ops.ingestion_health where run_id = '{seen['run4']}'")
    assert health == [("failed", "write_snapshot")]


def test_alerts_built_batch_by_batch_equal_alerts_built_at_once(history):
    target, _ = history
    batched = query(target, "select * from ops.ingestion_alerts order by alert_id")
    with_state = query(target, "select count(*) from ops.ingestion_alerts")
    assert with_state == [(3,)]
    from warehouse.loaders.targets import open_warehouse

    warehouse = open_warehouse(target)
    try:
        warehouse.execute("drop table ops.ingestion_alerts")
    finally:
        warehouse.close()
    report = dbt(target, select=["ingestion_alerts"])
    assert report.success, failures(report)
    assert query(target, "select * from ops.ingestion_alerts order by alert_id") == batched
    assert scalar(target, "select count(*) from ops.ingestion_alerts where is_open") == 0


def test_a_long_load_is_an_alert_against_the_median_of_the_loads_before_it(history):
    """Loads logged by hand, before the scenario's: six of 2 s, one of 7 s (> 3 × 2 s: warning), one of 2 s
    (closes it), one of 13 s (> 2 × 3 × the median: critical; closed by the scenario's first load)."""
    target, seen = history
    durations = [2000] * 6 + [7000, 2000, 13000]
    rows = ", ".join(
        f"('hand-{i}', 'votes', 'votes_{i}.csv', 'read', cast('2020-01-0{i + 1} 00:00:00' as timestamp), {ms}, 1, 1,"
        " 0, 0, 'ok', null)"
        for i, ms in enumerate(durations)
    )
    from warehouse.loaders.targets import open_warehouse

    warehouse = open_warehouse(target)
    try:
        warehouse.execute(f"insert into raw.ingest_logs values {rows}")
    finally:
        warehouse.close()
    report = dbt(target, select=["ingestion_health", "ingestion_alerts"])
    assert report.success, failures(report)
    long_loads = query(
        target,
        """select run_id, severity, observed_value, threshold_value, first_seen_at, closed_at
           from ops.ingestion_alerts where alert_type = 'long_duration' order by first_seen_at""",
    )
    first_real = scalar(target, f"select started_at from ops.ingestion_health where run_id = '{seen['run1']}'")
    assert long_loads == [
        ("hand-6", "warning", 7000, 6000, datetime(2020, 1, 7), datetime(2020, 1, 8)),
        ("hand-8", "critical", 13000, 6000, datetime(2020, 1, 9), first_real),
    ]
