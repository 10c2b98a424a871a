"""ops.pipeline_dirty_nfts, the scoring queue, equals a recount of every event against the publications —
right after a build and with events landed since (which the trigger check must see before any build) —
although it reads only the build's per-NFT state and the events past its mark."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from community.community_world import build_community, community_files, split_into_batches

from warehouse.generate import generate_world
from warehouse.loaders.run import load

from landing import query

PRIORITY = {"fire": 15, "super_vote": 10, "slider": 5, "normal_vote": 0}
COLUMNS = (
    "nft_id, n_pending_events, n_pending_votes, n_pending_super_votes, n_pending_sliders, n_pending_fires, "
    "priority, first_pending_event_seq, last_event_seq, last_event_at, n_votes_24h, n_votes, "
    "published_last_event_seq, collection"
)


def _recount(target) -> dict[str, tuple]:
    """The queue by its definition (scoring.md §5): every event of every NFT against its last publication."""
    events = []
    for nft_a, nft_b, seq, at, is_super in query(
        target, "select nft_a, nft_b, event_seq, occurred_at, is_super_vote from staging.stg_community__votes"
    ):
        kind = "super_vote" if is_super else "normal_vote"
        events += [(nft_a, seq, at, kind), (nft_b, seq, at, kind)]
    for table, kind in (("stg_community__sliders", "slider"), ("stg_community__fires", "fire")):
        events += [
            (n, s, a, kind) for n, s, a in query(target, f"select nft_id, event_seq, occurred_at from staging.{table}")
        ]
    published = {n: (s, v) for n, s, v in query(target, "select nft_id, last_event_seq, n_votes from marts.nft_scores")}
    # the newest landed version of each NFT (an NFT not landed yet has no collection)
    collections = dict(
        query(
            target,
            "select nft_id, collection from (select nft_id, collection, row_number() over (partition by nft_id"
            " order by loaded_at desc, source_position desc, row_hash desc) as version_rank from raw.nfts) as v"
            " where version_rank = 1",
        )
    )
    by_nft: dict[str, list] = defaultdict(list)
    for event in events:
        by_nft[event[0]].append(event)
    expected = {}
    for nft, rows in by_nft.items():
        last_seq, n_votes = published.get(nft, (None, 0))
        pending = [r for r in rows if r[1] > (last_seq if last_seq is not None else -1)]
        if not pending:
            continue
        latest = max(r[2] for r in rows)
        votes = [r for r in pending if r[3] in ("normal_vote", "super_vote")]
        expected[nft] = (
            nft,
            len(pending),
            len(votes),
            sum(r[3] == "super_vote" for r in pending),
            sum(r[3] == "slider" for r in pending),
            sum(r[3] == "fire" for r in pending),
            max(PRIORITY[r[3]] for r in pending),
            min(r[1] for r in pending),
            max(r[1] for r in pending),
            latest,
            sum(1 for r in rows if r[3] != "slider" and r[3] != "fire" and r[2] > latest - timedelta(hours=24)),
            n_votes + len(votes),
            last_seq,
            collections.get(nft),
        )
    return expected


def _assert_queue_is_the_recount(target) -> int:
    queued = {row[0]: row for row in query(target, f"select {COLUMNS} from ops.pipeline_dirty_nfts")}
    expected = _recount(target)
    assert queued.keys() == expected.keys()
    for nft, row in queued.items():
        assert row == expected[nft], nft
    return len(queued)


@pytest.mark.slow
def test_queue_equals_a_recount_after_builds_and_between_them(duckdb_target, tmp_path):
    target = duckdb_target
    world = tmp_path / "world"
    generate_world("tiny", 3, world)
    batches = split_into_batches(community_files(world, tmp_path / "community"), tmp_path / "landing", 4)
    load([batches[0]], target)
    build_community(target)
    _assert_queue_is_the_recount(target)
    for batch in batches[1:3]:
        load([batch], target)
        assert _assert_queue_is_the_recount(target) > 0  # landed, not built: the trigger check sees it
        build_community(target)
        _assert_queue_is_the_recount(target)
    load([batches[3]], target)
    _assert_queue_is_the_recount(target)
    build_community(target, "--full-refresh")
    _assert_queue_is_the_recount(target)
