"""Bad data never corrupts or blocks the warehouse, end to end on DuckDB and PostgreSQL.

A generated tiny world lands, then a batch with a row of every bad kind of quality.md's table: each
bad row stops where the table says, every good row reaches its marts, the build is green, and
rows_read = written + rejected + duplicate. Then the late dimension rows land and complete their
inferred members.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from warehouse.build import build
from warehouse.generate import generate_world
from warehouse.loaders.run import load

from landing import query, scalar, write_csv

pytestmark = pytest.mark.slow

U128_MAX = 2**128 - 1
VOTE_HEADER = "event_id,user_id,nft_a,nft_b,winner,vote_type,occurred_at"


def build_green(target):
    report = build(target, quiet=True)
    failed = [(n.name, n.message) for n in report.nodes if n.status in ("error", "fail")]
    assert report.success and not failed, failed
    return report


def bad_batch(world: Path, out: Path) -> dict:
    """Files holding good rows and one row of every bad kind; returns what the test expects of them."""
    out.mkdir(parents=True)
    first_vote = (world / "votes.csv").read_text().splitlines()[1].split(",")
    conflicting = [*first_vote[:4], first_vote[3] if first_vote[4] == first_vote[2] else first_vote[2], *first_vote[5:]]
    future = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        VOTE_HEADER,
        "vb_late,u_late,nft_late,nft_000001,nft_late,normal,2026-01-20T12:00:00Z",  # inferred NFT and user
        "vb_good,u_000001,nft_000001,nft_000002,nft_000002,super,2026-01-20T12:00:01Z",
        "vb_2099,u_000001,nft_000001,nft_000002,nft_000001,normal,2099-12-31T00:00:00Z",
        "vb_inf,u_000001,nft_000001,nft_000002,nft_000001,normal,infinity",
        f"vb_future,u_000001,nft_000001,nft_000002,nft_000001,normal,{future}",
        "vb_wide,u_000001,nft_000001,nft_000002,nft_000001,normal,2026-01-20T12:00:00Z,extra",
        ",".join(conflicting),
    ]
    votes = out / "votes_bad.csv"
    votes.write_bytes(
        ("\n".join(lines) + "\n").encode()
        + "vb_latin,u_Andr\xe9,nft_000001,nft_000002,nft_000001,normal,2026-01-20T12:00:00Z\n".encode("latin-1")
        + b"vb_trunc,u_000001,nft_0000"
    )
    write_csv(
        out / "upvotes_bad.csv",
        ["event_id", "user_id", "project_id", "action", "occurred_at"],
        [
            ["ub_late", "u_late", "p_late", "up", "2026-01-20T12:00:00Z"],
            ["ub_2099", "u_000001", "p_000001", "up", "2099-12-31T00:00:00Z"],
        ],
    )
    write_csv(
        out / "projects_bad.csv",
        ["project_id", "owner_user_id", "chain_id", "name", "tagline", "description", "created_at"],
        [["p_nul", "u_000001", _first_chain(world), "NUL project", "t", "bad \x00 byte", "2026-01-10T00:00:00Z"]],
    )
    last_epoch = json.loads((world / "epochs.jsonl").read_text().splitlines()[-1])
    epoch = {**last_epoch, "epoch": last_epoch["epoch"] + 1}
    epoch["data"]["domainStakingSummary"]["currentEpochIndex"] = epoch["epoch"]
    epoch["timestamp"] = _later(last_epoch["timestamp"], hours=1)
    prices = epoch["data"]["operatorEpochSharePrice"]["entries"]
    prices[0] = {"key": [prices[0]["key"][0], [epoch["domainId"], epoch["epoch"]]], "value": str(U128_MAX)}
    for entry in prices[1:]:
        entry["key"] = [entry["key"][0], [epoch["domainId"], epoch["epoch"]]]
    (out / "epochs_bad.jsonl").write_text(json.dumps(epoch) + "\n")
    roster_file = sorted(world.glob("roster_*.json"))[-1]
    roster = json.loads(roster_file.read_text())
    roster["fetchedAt"] = _later(roster["fetchedAt"], hours=1)
    broken = [m["tag"] for m in roster["items"][:8]]
    for index, item in enumerate(roster["items"][:8]):
        if index % 2:
            item["trophies"] = "abc"
        else:
            item["role"] = "emperor"
    (out / f"roster_partial_{roster_file.stem.split('_')[1]}.json").write_text(json.dumps(roster))
    return {
        "votes": votes,
        "conflicting_id": first_vote[0],
        "broken_members": broken,
        "clan": roster["clanTag"],
        "roster_at": roster["fetchedAt"],
        "priced_operator": prices[0]["key"][0],
        "epoch": epoch["epoch"],
    }


def _first_chain(world: Path) -> str:
    return (world / "chains.csv").read_text().splitlines()[1].split(",")[0]


def _later(stamp: str, hours: int) -> str:
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(hours=hours)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    world = tmp_path_factory.mktemp("world")
    generate_world("tiny", 5, world)
    expected = bad_batch(world, tmp_path_factory.mktemp("bad") / "landing")
    return world, expected


def test_every_bad_kind_stops_where_the_spec_says_and_the_build_stays_green(target, tiny, tmp_path):
    world, expected = tiny
    assert load([world], target).ok
    bad = expected["votes"].parent
    report = load([bad], target)
    assert report.ok, report.error
    for f in report.files:
        assert f.rows_read == f.rows_written + f.rows_rejected + f.rows_duplicate, f
    codes = query(target, "select source, reason_code, count(*) from raw.rejects group by 1, 2 order by 1, 2")
    assert codes == [
        ("projects", "nul_byte", 1),
        ("roster_snapshots", "invalid_member", 8),
        ("upvotes", "timestamp_out_of_range", 1),
        ("votes", "conflicting_duplicate", 1),
        ("votes", "invalid_utf8", 1),
        ("votes", "malformed_row", 2),
        ("votes", "timestamp_out_of_range", 3),
    ]
    assert scalar(target, "select count(*) from raw.votes where event_id in ('vb_late', 'vb_good')") == 2
    build_green(target)

    # no bad timestamp reached a mart: no "now" in 2099, no infinity
    newest = scalar(target, "select max(newest_data_at) from ops.payload_versions")
    assert newest is not None and newest < datetime(2027, 1, 1)
    # inferred members: facts processed, dimension rows inferred, relationship tests green
    inferred = query(
        target,
        "select 'nft', nft_id from staging.stg_community__nfts where is_inferred union all "
        "select 'user', user_id from staging.stg_community__users where is_inferred union all "
        "select 'project', project_id from staging.stg_discovery__projects where is_inferred order by 1, 2",
    )
    assert inferred == [("nft", "nft_late"), ("project", "p_late"), ("user", "u_late")]
    assert scalar(target, "select count(*) from intermediate.int_upvotes_resolved where project_id = 'p_late'") == 1
    # quarantine: the 2^128-1 share price is recorded and in no mart
    [(source, rule, value)] = query(target, "select source, rule, value from ops.quarantined_rows")
    assert (source, rule, value) == ("epochs", "share_price_within_0_and_1e18", str(U128_MAX))
    assert (
        scalar(
            target,
            "select count(*) from marts.operator_share_prices "
            f"where epoch = {expected['epoch']} and operator_id = {expected['priced_operator']} "
            "and share_price_perq_text = '" + str(U128_MAX) + "'",
        )
        == 0
    )
    assert scalar(target, "select count(*) from marts.operator_share_prices where share_price > 1e18") == 0
    # roster: the 8 rejected members have not left; the snapshot is partial with a warning naming them
    members = dict(
        query(
            target,
            "select member_tag, is_rejected from intermediate.int_snapshot_members_listed "
            f"where clan_tag = '{expected['clan']}' and fetched_at = (select max(fetched_at) "
            f"from staging.stg_clans__roster_snapshots where clan_tag = '{expected['clan']}')",
        )
    )
    assert all(members[tag] for tag in expected["broken_members"])
    [(severity, observed, detail)] = query(
        target,
        "select severity, observed_value, detail from ops.ingestion_alerts where alert_type = 'partial_snapshot'",
    )
    assert severity == "warning" and observed == 8 and detail.startswith("8 member(s) rejected")
    resolved = scalar(
        target,
        "select count(*) from intermediate.int_snapshot_members_resolved where member_tag in ("
        + ", ".join(f"'{t}'" for t in expected["broken_members"])
        + ") and fetched_at = (select max(fetched_at) from staging.stg_clans__roster_snapshots)",
    )
    assert resolved == 8
    assert scalar(target, "select is_inferred from marts.nft_stats where nft_id = 'nft_late'") is True

    # the late dimension rows land: the inferred members are completed
    late = tmp_path / "late"
    write_csv(late / "nfts_late.csv", ["nft_id", "collection", "token_id", "name", "created_at"],
              [["nft_late", "Late Arrivals", "1", "Late #1", "2026-01-19T00:00:00Z"]])  # fmt: skip
    write_csv(late / "users_late.csv", ["user_id", "handle", "created_at"], [["u_late", "late", "2026-01-19"]])
    write_csv(
        late / "projects_late.csv",
        ["project_id", "owner_user_id", "chain_id", "name", "tagline", "description", "created_at"],
        [["p_late", "u_late", _first_chain(world), "Late project", "t", "d", "2026-01-19T00:00:00Z"]],
    )
    assert load([late], target).ok
    build_green(target)
    assert scalar(target, "select count(*) from staging.stg_community__nfts where is_inferred") == 0
    assert scalar(target, "select count(*) from staging.stg_community__users where is_inferred") == 0
    assert (
        scalar(target, "select project_name from marts.project_details where project_id = 'p_late'") == "Late project"
    )
    assert query(target, "select collection, is_inferred from marts.nft_stats where nft_id = 'nft_late'") == [
        ("Late Arrivals", False)
    ]
    unbalanced = query(
        target,
        "select file from raw.ingest_logs where status <> 'skipped' group by run_id, file "
        "having sum(rows_read) <> sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate)",
    )
    assert unbalanced == []
