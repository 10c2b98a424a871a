"""Roster loading on DuckDB and PostgreSQL: the staged phases, differential member rows, zero deltas,
retries with backoff, and a failed phase that leaves the earlier phases' data in place."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from clans.clans_helpers import member, write_roster

from warehouse.loaders import roster
from warehouse.loaders.run import load

from landing import query, scalar

PHASES = ["read", "transform", "upsert_members", "write_snapshot", "write_stats"]


def _logs(target, run_id):
    return query(
        target,
        "select file, phase, status, rows_read, rows_written, rows_rejected, rows_duplicate, error"
        f" from raw.ingest_logs where run_id = '{run_id}' order by file, started_at, phase",
    )


def _unbalanced(target):
    return query(
        target,
        """select run_id, file from raw.ingest_logs group by run_id, file
           having sum(rows_read) <> sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate)""",
    )


def test_rosters_land_through_five_phases_writing_only_changed_members(target, tmp_path):
    a1, b1 = member("#A", trophies=3000), member("#B", trophies=2000)
    a2 = {**a1, "trophies": 3050, "clanRank": 2}
    s1 = write_roster(tmp_path / "in", "2026-03-01T12:00:00.000Z", [a1, b1])
    s2 = write_roster(tmp_path / "in", "2026-03-02T12:00:00.000Z", [a2, {**b1, "clanRank": 1}])
    s3 = write_roster(tmp_path / "in", "2026-03-03T12:00:00.000Z", [a2, b1])  # zero delta: same members
    report = load([tmp_path / "in"], target)
    assert report.ok, report.error
    assert [(f.rows_read, f.rows_written, f.rows_duplicate) for f in report.files] == [(2, 2, 0)] * 3
    rows = query(target, "select member_tag, fetched_at from raw.roster_members order by fetched_at, member_tag")
    assert [(tag, at.day) for tag, at in rows] == [("#A", 1), ("#B", 1), ("#A", 2)]
    members_row = json.loads(
        scalar(target, "select member from raw.roster_members where fetched_at > '2026-03-01 13:00'")
    )
    assert members_row["trophies"] == 3050
    logs = _logs(target, report.run_id)
    assert [(f.rsplit("/", 1)[-1], p, s) for f, p, s, *_ in logs] == [
        (path.name, phase, "ok") for path in (s1, s2, s3) for phase in PHASES
    ]
    upserts = {f.rsplit("/", 1)[-1]: (r, w, d) for f, p, _, r, w, _, d, _ in logs if p == "upsert_members"}
    assert upserts == {s1.name: (2, 2, 0), s2.name: (2, 1, 1), s3.name: (2, 0, 2)}
    assert _unbalanced(target) == []
    # idempotent: the same files again land nothing; the same snapshot under another name neither
    before = query(
        target, "select count(*) from raw.roster_members union all select count(*) from raw.roster_snapshots"
    )
    again = load([tmp_path / "in"], target)
    assert [f.status for f in again.files] == ["skipped"] * 3
    copy = tmp_path / "copy" / s3.name
    copy.parent.mkdir()
    copy.write_text(s3.read_text() + "\n")
    [result] = load([copy], target).files
    assert (result.rows_written, result.rows_duplicate) == (0, 2)
    assert (
        query(target, "select count(*) from raw.roster_members union all select count(*) from raw.roster_snapshots")
        == before
    )
    assert _unbalanced(target) == []


def test_bad_members_are_rejected_with_their_reason_and_both_shapes_land(target, tmp_path):
    legacy, current = member("#A", shape="legacy"), member("#B")
    path = write_roster(tmp_path, "2026-03-01T12:00:00Z", [legacy, current, {**member("#X"), "role": "elder"}])
    [result] = load([path], target).files
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (3, 2, 1)
    assert query(target, "select reason from raw.rejects") == [
        ("member #X: unknown role 'elder' (expected one of member, admin, coLeader, leader)",)
    ]
    stored = {t: json.loads(m) for t, m in query(target, "select member_tag, member from raw.roster_members")}
    assert stored == {"#A": legacy, "#B": current}


def test_a_failed_phase_keeps_the_earlier_phases_and_a_rerun_completes_the_load(target, tmp_path, monkeypatch):
    a1, b1 = member("#A"), member("#B")
    load([write_roster(tmp_path / "first", "2026-03-01T12:00:00Z", [a1, b1])], target)
    second = write_roster(tmp_path / "second", "2026-03-02T12:00:00Z", [{**a1, "trophies": 9}, {**b1, "trophies": 8}])
    monkeypatch.setenv(roster.FAULT_ENV, "roster-phase:write_snapshot")
    monkeypatch.setenv(roster.ATTEMPTS_ENV, "3")
    monkeypatch.setenv(roster.BACKOFF_ENV, "0.25")
    pauses: list[float] = []
    monkeypatch.setattr(roster.time, "sleep", pauses.append)
    report = load([second], target)
    assert pauses == [0.25, 0.5]  # three attempts, exponential backoff between them
    assert report.error.startswith("roster load failed in phase write_snapshot after 3 attempt(s): InjectedFault")
    assert [f.status for f in report.files] == ["failed"]
    # the members (phase upsert_members) stay; the snapshot, its stats and the landed-file hash do not
    assert scalar(target, "select count(*) from raw.roster_members where fetched_at > '2026-03-01 13:00'") == 2
    assert scalar(target, "select count(*) from raw.roster_snapshots") == 1
    assert scalar(target, f"select count(*) from raw.landed_files where file = '{second}'") == 0
    logged = [(p, s, e) for _, p, s, _, _, _, _, e in _logs(target, report.run_id)]
    assert [(p, s) for p, s, _ in logged] == [
        ("read", "ok"),
        ("transform", "ok"),
        ("upsert_members", "ok"),
        ("write_snapshot", "failed"),
    ]
    assert logged[-1][2] == "InjectedFault: injected failure in phase write_snapshot (attempt 3)"
    monkeypatch.delenv(roster.FAULT_ENV)
    rerun = load([second], target)
    assert rerun.ok, rerun.error
    assert [(f.rows_written, f.rows_duplicate) for f in rerun.files] == [(2, 0)]
    assert scalar(target, "select count(*) from raw.roster_snapshots") == 2
    assert scalar(target, "select count(*) from raw.roster_members") == 4  # nothing written twice
    upsert = [(r, w, d) for _, p, _, r, w, _, d, _ in _logs(target, rerun.run_id) if p == "upsert_members"]
    assert upsert == [(2, 0, 2)]


def test_a_phase_that_fails_once_is_retried_and_logged_as_recovered(target, tmp_path, monkeypatch):
    monkeypatch.setenv(roster.FAULT_ENV, "roster-phase:upsert_members:1")
    monkeypatch.setenv(roster.BACKOFF_ENV, "0")
    report = load([write_roster(tmp_path, "2026-03-01T12:00:00Z", [member("#A")])], target)
    assert report.ok, report.error
    assert scalar(target, "select count(*) from raw.roster_members") == 1
    [(status, error)] = query(target, "select status, error from raw.ingest_logs where phase = 'upsert_members'")
    assert status == "ok"
    assert (
        error
        == "recovered after 1 failed attempt(s): InjectedFault: injected failure in phase upsert_members (attempt 1)"
    )


def test_a_failed_roster_phase_fails_the_cli_with_a_message(duckdb_target, tmp_path):
    path = write_roster(tmp_path, "2026-03-01T12:00:00Z", [member("#A")])
    env = {
        **os.environ,
        **duckdb_target.dbt_env(),
        "COLUMNS": "200",
        roster.FAULT_ENV: "roster-phase:write_stats",
        roster.BACKOFF_ENV: "0",
    }
    result = subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        [sys.executable, "-m", "warehouse.cli", "load", str(path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "roster load failed in phase write_stats after 3 attempt(s)" in message
    assert "Traceback" not in result.stderr
    assert scalar(duckdb_target, "select count(*) from raw.roster_snapshots") == 1  # write_snapshot committed
    assert query(duckdb_target, "select phase, status from raw.ingest_logs where status = 'failed'") == [
        ("write_stats", "failed")
    ]


def test_a_late_snapshot_keeps_every_snapshot_resolvable_from_the_member_rows(target, tmp_path):
    a = member("#A", trophies=3000)
    load([write_roster(tmp_path / "a", "2026-03-01T12:00:00Z", [a])], target)
    load([write_roster(tmp_path / "b", "2026-03-03T12:00:00Z", [a])], target)  # unchanged: no row
    late = load([write_roster(tmp_path / "c", "2026-03-02T12:00:00Z", [{**a, "trophies": 3500}])], target)
    assert late.ok, late.error
    resolved = query(
        target,
        """select s.fetched_at, (select m.member from raw.roster_members m where m.member_tag = '#A'
                                 and m.fetched_at <= s.fetched_at order by m.fetched_at desc limit 1)
           from raw.roster_snapshots s order by s.fetched_at""",
    )
    assert [(at.day, json.loads(text)["trophies"]) for at, text in resolved] == [(1, 3000), (2, 3500), (3, 3000)]
    upsert = query(
        target,
        f"select rows_read, rows_written, rows_duplicate from raw.ingest_logs where run_id = '{late.run_id}'"
        " and phase = 'upsert_members'",
    )
    assert upsert == [(2, 2, 0)]  # its own member, and the next snapshot's member written again
