"""Loading is idempotent: files and rows that already landed are not landed again."""

from __future__ import annotations

import hashlib
import json

from warehouse.loaders.run import load

from landing import (
    FIRE_COLUMNS,
    SLIDER_COLUMNS,
    VOTE_COLUMNS,
    epoch_document,
    query,
    raw_fingerprint,
    scalar,
    vote,
    write_csv,
    write_jsonl,
)

MESSAGE_COLUMNS = ["message_id", "conversation_id", "sender_id", "recipient_id", "body", "sent_at", "read_at"]


def test_the_same_file_twice_writes_nothing_the_second_time(target, tmp_path):
    path = write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote(f"v_{i}") for i in range(5)])
    load([path], target)
    before = raw_fingerprint(target)
    report = load([path], target)
    assert [f.status for f in report.files] == ["skipped"]
    after = raw_fingerprint(target)
    assert {k: v for k, v in after.items() if k != "ingest_logs"} == {
        k: v for k, v in before.items() if k != "ingest_logs"
    }
    logged = query(target, f"select phase, status, rows_written from raw.ingest_logs where run_id = '{report.run_id}'")
    assert logged == [("read", "skipped", 0)]


def test_overlapping_files_land_only_the_new_rows(target, tmp_path):
    first = write_csv(tmp_path / "a" / "votes.csv", VOTE_COLUMNS, [vote(f"v_{i}") for i in range(5)])
    second = write_csv(tmp_path / "b" / "votes.csv", VOTE_COLUMNS, [vote(f"v_{i}") for i in range(3, 8)])
    load([first], target)
    [result] = load([second], target).files
    assert (result.rows_read, result.rows_written, result.rows_duplicate) == (5, 3, 2)
    assert scalar(target, "select count(*) from raw.votes") == 8
    assert scalar(target, "select count(distinct event_id) from raw.votes") == 8


def test_overlapping_files_in_one_load_land_each_row_once(target, tmp_path):
    write_csv(tmp_path / "votes_1.csv", VOTE_COLUMNS, [vote(f"v_{i}") for i in range(4)])
    write_csv(tmp_path / "votes_2.csv", VOTE_COLUMNS, [vote(f"v_{i}") for i in range(2, 6)])
    results = {f.file.rsplit("/", 1)[-1]: f for f in load([tmp_path], target).files}
    assert (results["votes_1.csv"].rows_written, results["votes_1.csv"].rows_duplicate) == (4, 0)
    assert (results["votes_2.csv"].rows_written, results["votes_2.csv"].rows_duplicate) == (2, 2)
    assert scalar(target, "select count(*) from raw.votes") == 6


def test_a_changed_message_lands_as_a_new_version_and_an_unchanged_one_does_not(target, tmp_path):
    unread = ["m_1", "c_1", "u_1", "u_2", "hello, there", "2026-03-01T12:00:00Z", ""]
    other = ["m_2", "c_1", "u_2", "u_1", "hi", "2026-03-01T12:05:00Z", ""]
    load([write_csv(tmp_path / "a" / "messages.csv", MESSAGE_COLUMNS, [unread, other])], target)
    read = unread[:6] + ["2026-03-01T13:00:00Z"]
    [result] = load([write_csv(tmp_path / "b" / "messages.csv", MESSAGE_COLUMNS, [read, other])], target).files
    assert (result.rows_written, result.rows_duplicate) == (1, 1)
    versions = query(target, "select message_id, read_at, event_seq, body from raw.messages order by event_seq")
    assert [(m, r is None) for m, r, _, _ in versions] == [("m_1", True), ("m_2", True), ("m_1", False)]
    assert versions[0][3] == "hello, there"


def test_a_redelivered_epoch_is_a_noop_when_identical_and_a_new_version_when_changed(target, tmp_path):
    load([write_jsonl(tmp_path / "a" / "epochs.jsonl", [epoch_document(1), epoch_document(2)])], target)
    [same] = load([write_jsonl(tmp_path / "b" / "epochs.jsonl", [epoch_document(2)])], target).files
    assert (same.rows_written, same.rows_duplicate) == (0, 1)
    changed = epoch_document(2, share_price=10**18 + 7)
    [newer] = load([write_jsonl(tmp_path / "c" / "epochs.jsonl", [changed])], target).files
    assert newer.rows_written == 1
    rows = query(target, "select epoch, payload_version, payload from raw.epochs order by epoch, payload_version")
    assert [(e, v) for e, v, _ in rows] == [(1, 1), (2, 1), (2, 2)]
    assert json.loads(rows[2][2])["data"]["operatorEpochSharePrice"]["entries"][0]["value"] == 10**18 + 7


def test_event_seq_follows_occurred_at_then_event_id_across_the_domain(target, tmp_path):
    write_csv(
        tmp_path / "votes.csv",
        VOTE_COLUMNS,
        [
            vote("v_2", at="2026-03-01T12:00:00Z"),
            vote("v_1", at="2026-03-01T12:00:00Z"),
            vote("v_0", at="2026-03-01T12:00:02Z"),
        ],
    )
    write_csv(tmp_path / "sliders.csv", SLIDER_COLUMNS, [["s_1", "u_1", "nft_1", "50", "2026-03-01T12:00:01Z"]])
    write_csv(tmp_path / "fires.csv", FIRE_COLUMNS, [["f_1", "u_1", "nft_1", "2026-03-01T11:59:59Z"]])
    load([tmp_path], target)
    sequence = query(
        target,
        """
        select event_id, event_seq from (
            select event_id, event_seq from raw.votes union all
            select event_id, event_seq from raw.sliders union all
            select event_id, event_seq from raw.fires) e order by event_seq""",
    )
    assert sequence == [("f_1", 1), ("v_1", 2), ("v_2", 3), ("s_1", 4), ("v_0", 5)]
    # a later load always gets larger numbers, even for an event that occurred earlier (late arrival)
    late = write_csv(tmp_path / "late" / "votes.csv", VOTE_COLUMNS, [vote("v_late", at="2026-02-01T00:00:00Z")])
    load([late], target)
    assert scalar(target, "select event_seq from raw.votes where event_id = 'v_late'") == 6


def test_the_row_hash_is_stable_the_md5_of_the_typed_values(target, tmp_path):
    """raw's row_hash tells a repeated row from a changed one across loads, so its definition never changes:
    md5 of the typed values as text, joined by \\x1f, a null as \\x00."""
    votes = write_csv(
        tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1", at="2026-03-01T12:00:00.5Z", a="nft_7", b="nft_9")]
    )
    sliders = write_csv(
        tmp_path / "sliders.csv", SLIDER_COLUMNS, [["s_1", "u_2", "nft_7", "0.250", "2026-03-01T13:00:00Z"]]
    )
    load([votes, sliders], target)
    expected = {
        "votes": ["v_1", "u_1", "nft_7", "nft_9", "nft_7", "normal", "2026-03-01 12:00:00.5"],
        "sliders": ["s_1", "u_2", "nft_7", "0.25", "2026-03-01 13:00:00"],
    }
    for table, values in expected.items():
        digest = hashlib.md5("\x1f".join(values).encode()).hexdigest()
        assert query(target, f"select row_hash from raw.{table}") == [(digest,)], table
