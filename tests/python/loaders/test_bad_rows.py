"""The loader rows of quality.md's "Bad data: where each kind stops", on DuckDB and PostgreSQL.

Each test lands a file with one bad row of a kind among good rows and checks: the bad row is in
raw.rejects with its code, position and raw text; every good row landed; and per file
rows_read = rows_written + rows_rejected + rows_duplicate, in the report and in raw.ingest_logs.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from warehouse.loaders.run import load
from warehouse.loaders.window import REFERENCE_ENV

from landing import (
    SLIDER_COLUMNS,
    VOTE_COLUMNS,
    epoch_document,
    member,
    query,
    roster_document,
    scalar,
    vote,
    write_csv,
    write_jsonl,
)

HEADER = ",".join(VOTE_COLUMNS)


def good_line(event_id: str, at: str = "2026-03-01T12:00:00Z") -> str:
    return ",".join(vote(event_id, at=at))


def rejects(target, source: str = "votes") -> list[tuple]:
    return query(
        target,
        f"select position, reason_code, reason, raw_text from raw.rejects where source = '{source}'"
        " order by length(position), position",
    )


def assert_balanced(target, report) -> None:
    for f in report.files:
        assert f.rows_read == f.rows_written + f.rows_rejected + f.rows_duplicate, f
    unbalanced = query(
        target,
        """select file, sum(rows_read), sum(rows_written), sum(rows_rejected), sum(rows_duplicate)
           from raw.ingest_logs where status <> 'skipped' group by run_id, file
           having sum(rows_read) <> sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate)""",
    )
    assert unbalanced == []


def landed_ids(target, table: str = "votes") -> list[str]:
    return [row[0] for row in query(target, f"select event_id from raw.{table} order by event_id")]


@pytest.mark.parametrize(
    "bad, reason",
    [
        (good_line("v_bad") + ",extra", "8 fields, expected 7"),
        ('v_bad,"u_1,nft_1,nft_2,nft_1,normal,2026-03-01T12:00:00Z', "unterminated quote"),
        ('v_bad,"u_1"x,nft_1,nft_2,nft_1,normal,2026-03-01T12:00:00Z', "unparseable CSV row"),
    ],
)
def test_a_malformed_csv_row_alone_is_rejected_with_its_line(target, tmp_path, bad, reason):
    path = tmp_path / "votes.csv"
    path.write_text("\n".join([HEADER, good_line("v_1"), bad, good_line("v_2"), good_line("v_3")]) + "\n")
    report = load([path], target)
    assert report.ok
    [(position, code, text, raw)] = rejects(target)
    assert (position, code, raw) == ("line 3", "malformed_row", bad) and reason in text
    assert landed_ids(target) == ["v_1", "v_2", "v_3"]
    assert_balanced(target, report)


def test_a_truncated_last_line_is_rejected_and_a_multi_file_load_continues(target, tmp_path):
    first = tmp_path / "votes_1.csv"
    first.write_text("\n".join([HEADER, good_line("v_1"), "v_2,u_1,nft_1,nf"]))  # cut mid-write, no newline
    second = write_csv(tmp_path / "votes_2.csv", VOTE_COLUMNS, [vote("v_3")])
    sliders = write_csv(tmp_path / "sliders.csv", SLIDER_COLUMNS, [["s_1", "u_1", "nft_1", "50", "2026-03-01"]])
    report = load([first, second, sliders], target)
    assert report.ok
    [(position, code, reason, raw)] = rejects(target)
    assert (position, code, raw) == ("line 3", "malformed_row", "v_2,u_1,nft_1,nf")
    assert "truncated" in reason
    assert landed_ids(target) == ["v_1", "v_3"] and landed_ids(target, "sliders") == ["s_1"]
    assert_balanced(target, report)


def test_latin1_bytes_are_rejected_as_invalid_utf8_with_the_bytes_shown(target, tmp_path):
    path = tmp_path / "votes.csv"
    bad = "v_bad,u_Andr\xe9,nft_1,nft_2,nft_1,normal,2026-03-01T12:00:00Z".encode("latin-1")
    lines = [HEADER.encode(), good_line("v_1").encode(), bad, good_line("v_2").encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = load([path], target)
    [(position, code, reason, raw)] = rejects(target)
    assert (position, code) == ("line 3", "invalid_utf8")
    assert "byte 0xe9 at column 13" in reason and "u_Andr\\xe9" in raw
    assert landed_ids(target) == ["v_1", "v_2"]
    assert_balanced(target, report)


def test_a_nul_byte_is_rejected_the_same_on_both_engines(target, tmp_path):
    path = tmp_path / "votes.csv"
    nul = good_line("v_bad").replace("u_1", "u\x001")
    path.write_text("\n".join([HEADER, good_line("v_1"), nul, good_line("v_2")]) + "\n")
    jsonl = write_jsonl(
        tmp_path / "sliders.jsonl",
        [
            dict(zip(SLIDER_COLUMNS, ["s_1", "u_1", "nft_1", "50", "2026-03-01T12:00:00Z"], strict=True)),
            dict(zip(SLIDER_COLUMNS, ["s_2", "u\u00001", "nft_1", "50", "2026-03-01T12:00:00Z"], strict=True)),
        ],
    )
    epochs = write_jsonl(tmp_path / "epochs.jsonl", [epoch_document(1), {**epoch_document(2), "endHash": "0x\u0000"}])
    report = load([path, jsonl, epochs], target)
    assert report.ok
    codes = query(target, "select source, position, reason_code from raw.rejects order by source")
    assert codes == [
        ("epochs", "line 2", "nul_byte"),
        ("sliders", "line 2", "nul_byte"),
        ("votes", "line 3", "nul_byte"),
    ]
    assert "\\x00" in rejects(target)[0][3] or "\\u0000" in rejects(target)[0][3]
    assert landed_ids(target) == ["v_1", "v_2"] and landed_ids(target, "sliders") == ["s_1"]
    assert scalar(target, "select count(*) from raw.epochs") == 1
    assert scalar(target, "select count(*) from raw.ingest_logs where status = 'ok'") == 9  # nothing rolled back
    assert_balanced(target, report)


def test_a_lone_surrogate_escape_in_a_document_is_rejected_and_a_surrogate_pair_lands(duckdb_target, tmp_path):
    """JSON can name a UTF-16 half on its own (`\\ud800`), which no engine stores: that document alone is rejected;
    a pair of halves is one character (an emoji) and lands."""
    epochs = write_jsonl(
        tmp_path / "epochs.jsonl",
        [
            {**epoch_document(1), "endHash": "0x\U0001f600"},  # written as the pair \\ud83d\\ude00
            {**epoch_document(2), "endHash": "0x\ud800"},
            {**epoch_document(3), "endHash": "0x\\u0000"},  # a backslash, then text: no NUL
        ],
    )
    assert "\\ud83d\\ude00" in epochs.read_text() and "\\ud800" in epochs.read_text()
    assert load([epochs], duckdb_target).ok
    assert query(duckdb_target, "select position, reason_code from raw.rejects") == [("line 2", "invalid_utf8")]
    assert scalar(duckdb_target, "select count(*) from raw.epochs") == 2


@pytest.mark.parametrize(
    "at",
    [
        "2099-12-31T00:00:00Z",
        "infinity",
        "-infinity",
        "2014-12-31T23:59:59Z",
        "30 minutes from now",
    ],
)
def test_a_timestamp_outside_the_plausible_window_is_rejected(target, tmp_path, at):
    if at == "30 minutes from now":  # resolved here: a test id must be the same on every xdist worker
        at = (datetime.now(timezone.utc) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1"), vote("v_bad", at=at), vote("v_2")])
    report = load([path], target)
    [(position, code, reason, raw)] = rejects(target)
    assert (position, code) == ("line 3", "timestamp_out_of_range")
    assert at in reason and json.loads(raw)["occurred_at"] == at
    assert landed_ids(target) == ["v_1", "v_2"]
    assert_balanced(target, report)


def test_the_window_applies_to_documents_and_follows_its_settings(target, tmp_path, monkeypatch):
    epochs = write_jsonl(
        tmp_path / "epochs.jsonl",
        [
            epoch_document(1),
            epoch_document(2, timestamp="2099-01-01T00:00:00Z"),
            epoch_document(3, timestamp="infinity"),
        ],
    )
    roster = tmp_path / "roster_X_1.json"
    roster.write_text(json.dumps(roster_document("2099-01-01T00:00:00Z", [member("#A")])))
    report = load([epochs, roster], target)
    assert query(target, "select source, position, reason_code from raw.rejects order by source, position") == [
        ("epochs", "line 2", "timestamp_out_of_range"),
        ("epochs", "line 3", "timestamp_out_of_range"),
        ("roster_snapshots", "document items[0]", "timestamp_out_of_range"),
    ]
    assert_balanced(target, report)
    monkeypatch.setenv(REFERENCE_ENV, "2099-06-01T00:00:00")  # a replay of data stamped ahead of this clock
    later = write_jsonl(tmp_path / "epochs_2099.jsonl", [epoch_document(2, timestamp="2099-01-01T00:00:00Z")])
    load([later], target)
    assert scalar(target, "select count(*) from raw.epochs") == 2


def test_the_same_event_id_with_different_content_is_a_conflicting_duplicate(target, tmp_path):
    load([write_csv(tmp_path / "a" / "votes.csv", VOTE_COLUMNS, [vote("v_1"), vote("v_2")])], target)
    again = write_csv(
        tmp_path / "b" / "votes.csv",
        VOTE_COLUMNS,
        [vote("v_1"), vote("v_2", winner="nft_2"), vote("v_3"), vote("v_3", at="2026-03-01T13:00:00Z")],
    )
    other = write_csv(tmp_path / "b" / "votes_2.csv", VOTE_COLUMNS, [vote("v_3", vote_type="super"), vote("v_4")])
    report = load([again, other], target)
    results = {f.file.rsplit("/", 1)[1]: f for f in report.files}
    first, second = results["votes.csv"], results["votes_2.csv"]
    assert (first.rows_read, first.rows_written, first.rows_rejected, first.rows_duplicate) == (4, 1, 2, 1)
    assert (second.rows_read, second.rows_written, second.rows_rejected, second.rows_duplicate) == (2, 1, 1, 0)
    found = {
        (f.rsplit("/", 1)[1], p): (c, json.loads(t))
        for f, p, c, t in query(
            target, f"select file, position, reason_code, raw_text from raw.rejects where run_id = '{report.run_id}'"
        )
    }
    assert found[("votes.csv", "line 3")][0] == "conflicting_duplicate"
    assert found[("votes.csv", "line 3")][1]["winner"] == "nft_2"  # the reject holds the new row
    assert found[("votes.csv", "line 5")][0] == "conflicting_duplicate"  # repeats line 4 of the file
    assert found[("votes_2.csv", "line 2")][0] == "conflicting_duplicate"  # repeats another file of the load
    assert found[("votes_2.csv", "line 2")][1]["vote_type"] == "super"
    assert query(target, "select event_id, winner, vote_type from raw.votes order by event_id") == [
        ("v_1", "nft_1", "normal"),
        ("v_2", "nft_1", "normal"),
        ("v_3", "nft_1", "normal"),
        ("v_4", "nft_1", "normal"),
    ]
    assert_balanced(target, report)


def test_an_identical_row_repeated_in_a_file_is_a_duplicate_not_a_reject(target, tmp_path):
    path = write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1"), vote("v_1"), vote("v_2")])
    [result] = load([path], target).files
    assert (result.rows_read, result.rows_written, result.rows_rejected, result.rows_duplicate) == (3, 2, 0, 1)


@pytest.mark.parametrize(
    "name, content",
    [
        ("votes.csv", HEADER + "\n"),
        ("votes_empty.csv", ""),
        ("votes.jsonl", ""),
        ("votes_blank.jsonl", "\n\n"),
        ("epochs.json", "[]"),
        ("epochs_empty.json", "  \n"),
        ("epochs.jsonl", ""),
        ("roster_X_1.json", "[]"),
    ],
)
def test_a_file_with_no_documents_lands_nothing_in_every_format(target, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    good = write_csv(tmp_path / "sliders.csv", SLIDER_COLUMNS, [["s_1", "u_1", "nft_1", "50", "2026-03-01"]])
    report = load([path, good], target)
    assert report.ok
    [empty] = [f for f in report.files if f.file == str(path)]
    assert (empty.status, empty.rows_read, empty.rows_written, empty.rows_rejected) == ("ok", 0, 0, 0)
    assert landed_ids(target, "sliders") == ["s_1"]
    again = load([path], target)
    assert [f.status for f in again.files] == ["skipped"]  # recorded as landed, like any file


def test_the_rejects_reach_staging_with_their_codes_and_the_rows_read_balance(duckdb_target, tmp_path, monkeypatch):
    monkeypatch.setenv(REFERENCE_ENV, "2026-06-01T00:00:00")
    path = tmp_path / "votes.csv"
    path.write_text("\n".join([HEADER, good_line("v_1"), good_line("v_2") + ",x", good_line("v_3", at="2099-01-01")]))
    report = load([path], duckdb_target)
    assert [c for _, c, _, _ in rejects(duckdb_target)] == ["malformed_row", "timestamp_out_of_range"]
    assert_balanced(duckdb_target, report)
