"""Row-level problems go to raw.rejects with a reason and the raw text; valid rows still land."""

from __future__ import annotations

import json

from warehouse.loaders.run import load

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


def _rejects(target, source):
    return query(
        target, f"select position, reason, raw_text from raw.rejects where source = '{source}' order by position"
    )


def test_vote_rejects_each_reason_and_lands_valid_rows(target, tmp_path):
    rows = [
        vote("v_1"),
        vote("v_2", a="nft_1", b="nft_1"),  # nft_a = nft_b
        vote("v_3", winner="nft_9"),  # winner not in the pair
        vote("v_4", vote_type="mega"),  # unknown vote_type
        vote("v_5", at="not a time"),  # unparseable timestamp
        vote("v_6", at=""),  # missing timestamp
        vote("", at="2026-03-01T12:00:01Z"),  # missing key
        vote("v_1", at="2026-03-01T13:00:00Z"),  # duplicate key within the file
        vote("v_7", at="2026-03-01T14:00:00+02:00", vote_type="super"),
    ]
    path = write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, rows)
    report = load([path], target)
    [result] = report.files
    assert (result.rows_read, result.rows_written, result.rows_rejected, result.rows_duplicate) == (9, 2, 7, 0)
    reasons = {position: reason for position, reason, _ in _rejects(target, "votes")}
    assert reasons == {
        "line 3": "nft_a equals nft_b (nft_1)",
        "line 4": "winner nft_9 is not in the pair",
        "line 5": "unknown vote_type 'mega' (expected normal or super)",
        "line 6": "unparseable timestamp in occurred_at: not a time",
        "line 7": "missing occurred_at",
        "line 8": "missing event_id",
        "line 9": "event_id v_1 repeats line 2 of the file with different content",
    }
    codes = dict(query(target, "select position, reason_code from raw.rejects"))
    assert codes == {
        "line 3": "rule_violation",
        "line 4": "rule_violation",
        "line 5": "unknown_value",
        "line 6": "unparseable_value",
        "line 7": "missing_value",
        "line 8": "missing_value",
        "line 9": "conflicting_duplicate",
    }
    raw = {position: json.loads(text) for position, _, text in _rejects(target, "votes")}
    assert raw["line 5"]["vote_type"] == "mega" and raw["line 6"]["occurred_at"] == "not a time"
    landed = query(target, "select event_id, occurred_at, vote_type from raw.votes order by event_id")
    assert [(e, str(t), v) for e, t, v in landed] == [
        ("v_1", "2026-03-01 12:00:00", "normal"),
        ("v_7", "2026-03-01 12:00:00", "super"),  # +02:00 converted to UTC
    ]


def test_slider_values_outside_0_100_or_not_numbers_are_rejected(target, tmp_path):
    rows = [
        ["s_1", "u_1", "nft_1", "0", "2026-03-01T12:00:00"],
        ["s_2", "u_1", "nft_1", "100", "2026-03-01T12:00:00"],
        ["s_3", "u_1", "nft_1", "100.5", "2026-03-01T12:00:00"],
        ["s_4", "u_1", "nft_1", "-1", "2026-03-01T12:00:00"],
        ["s_5", "u_1", "nft_1", "fifty", "2026-03-01T12:00:00"],
        ["s_6", "u_1", "nft_1", "NaN", "2026-03-01T12:00:00"],
    ]
    load([write_csv(tmp_path / "sliders.csv", SLIDER_COLUMNS, rows)], target)
    assert [r for _, r, _ in _rejects(target, "sliders")] == [
        "value above 100: 100.5",
        "value below 0: -1",
        "value is not a number: fifty",
        "value is not a number: NaN",
    ]
    assert query(target, "select event_id, value from raw.sliders order by event_id") == [("s_1", 0.0), ("s_2", 100.0)]


def test_malformed_json_line_in_a_tabular_jsonl_file(target, tmp_path):
    good = dict(zip(VOTE_COLUMNS, vote("v_1"), strict=True))
    path = write_jsonl(tmp_path / "votes.jsonl", [good, '{"event_id": "v_2", "user_id": ', {**good, "event_id": "v_3"}])
    [result] = load([path], target).files
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (3, 2, 1)
    [(position, reason, text)] = _rejects(target, "votes")
    assert (
        position == "line 2"
        and reason.startswith("malformed JSON document")
        and text == '{"event_id": "v_2", "user_id": '
    )


def test_epoch_with_an_amount_in_no_accepted_form_is_rejected_and_others_land(target, tmp_path):
    bad = epoch_document(2)
    bad["data"]["operators"]["entries"][1]["value"]["currentTotalShares"] = "12abc"
    negative = epoch_document(4, share_price=-5)
    fractional = epoch_document(5, stake=1.5e24)
    path = write_jsonl(
        tmp_path / "epochs.jsonl", [epoch_document(1), bad, "{not json", negative, fractional, epoch_document(6)]
    )
    [result] = load([path], target).files
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (6, 2, 4)
    reasons = {position: reason for position, reason, _ in _rejects(target, "epochs")}
    assert reasons["line 2"] == (
        "amount at data.operators.entries[1].value.currentTotalShares is not a number in any accepted form: '12abc'"
    )
    assert reasons["line 3"].startswith("malformed JSON document")
    assert reasons["line 4"] == (
        "amount at data.operatorEpochSharePrice.entries[0].value is outside the unsigned 128-bit range: -5"
    )
    assert reasons["line 5"].startswith("amount at data.domainStakingSummary.currentTotalStake is not an integer")
    assert query(target, "select epoch from raw.epochs order by epoch") == [(1,), (6,)]


def test_roster_member_without_a_tag_is_rejected_and_the_snapshot_lands(target, tmp_path):
    document = roster_document("2026-03-01T12:00:00Z", [member("#A"), member(None, name="ghost"), member("#B")])
    path = tmp_path / "roster_2PQU0LY_20260301T120000Z.json"
    path.write_text(json.dumps(document))
    [result] = load([path], target).files
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (3, 2, 1)
    [(position, reason, text)] = _rejects(target, "roster_snapshots")
    assert (position, reason) == ("document items[1]", "member without a tag")
    assert json.loads(text)["name"] == "ghost"
    payload = json.loads(scalar(target, "select payload from raw.roster_snapshots"))
    assert [m["tag"] for m in payload["items"]] == ["#A", "#B"]
    assert scalar(target, "select member_count from raw.roster_snapshots") == 2
