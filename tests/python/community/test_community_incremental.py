"""Incremental builds equal a full refresh: the `small` world landed in 5 batches with a build after each,
compared table by table with a full-refresh build of the same landed data. Along the way the Python steps
run from every kind of stored state (current, lagging one batch behind, missing), the publication log and
queue keep their invariants, and the ratings recover the generator's hidden quality."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from community.community_world import (
    PYTHON_STEPS,
    assert_same_rows,
    build_community,
    execute,
    split_into_batches,
)
from warehouse_testing import dbt

from warehouse.generate import generate_world
from warehouse.loaders.run import load

from landing import query, scalar

#: Every table whose content does not depend on build cadence, with its key.
CADENCE_FREE = {
    "intermediate.int_votes_rated": "event_seq",
    "intermediate.int_sliders_calibrated": "event_seq",
    "intermediate.int_nfts_rated": "nft_id",
    "intermediate.int_voters_assessed": "user_id",
    "intermediate.int_users_calibrated": "user_id",
    "intermediate.int_nfts_tallied": "nft_id",
    "intermediate.int_nfts_scored": "nft_id",
    "marts.nft_stats": "nft_id",
    "marts.user_calibration": "user_id",
}
THRESHOLDS = {"poa_score": 0.5, "confidence": 0.05, "rating_sigma": 2.0}


def _snapshot(target) -> dict:
    from community.community_world import table_rows

    return {name: table_rows(target, name, key) for name, key in CADENCE_FREE.items()}


def _spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        result = [0.0] * len(values)
        for rank, index in enumerate(order):
            result[index] = float(rank)
        return result

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    return cov / (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5


def _assert_publications_track_live_values(target) -> None:
    """Right after a build, every live NFT is published, and its published row is within every threshold
    of its live values (else the build would have published it)."""
    rows = query(
        target,
        "select s.nft_id, s.poa_score, p.poa_score, s.confidence, p.confidence, s.rating_sigma, p.rating_sigma, "
        "s.tier, p.tier from marts.nft_stats s left join marts.nft_scores p on p.nft_id = s.nft_id",
    )
    assert rows
    for nft_id, poa, p_poa, conf, p_conf, sigma, p_sigma, tier, p_tier in rows:
        assert p_poa is not None, f"{nft_id} has live values but was never published"
        assert abs(poa - p_poa) < THRESHOLDS["poa_score"], nft_id
        assert abs(conf - p_conf) < THRESHOLDS["confidence"], nft_id
        assert abs(sigma - p_sigma) < THRESHOLDS["rating_sigma"], nft_id
        assert tier == p_tier, nft_id
    assert scalar(target, "select count(*) from marts.nft_scores") == len(rows)


def _assert_queue_holds_exactly_the_unpublished_changes(target) -> None:
    expected = {
        nft_id
        for (nft_id,) in query(
            target,
            "select s.nft_id from marts.nft_stats s join marts.nft_scores p on p.nft_id = s.nft_id "
            "where s.last_event_seq > p.last_event_seq",
        )
    }
    queued = {nft_id for (nft_id,) in query(target, "select nft_id from ops.pipeline_dirty_nfts")}
    assert queued == expected


@pytest.mark.slow
def test_small_world_in_five_batches_equals_one_full_refresh(duckdb_target, tmp_path):
    target = duckdb_target
    world = tmp_path / "world"
    generate_world("small", 7, world)
    batches = split_into_batches(world, tmp_path / "landing", 5)

    published, live = [], []
    for number, batch in enumerate(batches, start=1):
        load([batch], target)
        if number == 3:
            # only the Python steps: their state tables now lag one batch behind
            dbt(target, "run", select=list(PYTHON_STEPS), check=True)
            continue
        if number == 5:
            # the state tables are lost: the steps must fall back to their own rows
            execute(target, "drop table intermediate.int_nfts_rated")
            execute(target, "drop table intermediate.int_users_calibrated")
        history_before = scalar(target, "select count(*) from marts.nft_score_history") if number > 1 else 0
        build_community(target)
        published.append(scalar(target, "select count(*) from marts.nft_score_history") - history_before)
        live.append(scalar(target, "select count(*) from marts.nft_stats"))
        _assert_publications_track_live_values(target)
        _assert_queue_holds_exactly_the_unpublished_changes(target)

    # the batches really hold late events: some arrived after newer ones had landed
    late = scalar(
        target,
        "select count(*) from (select occurred_at, max(occurred_at) over (order by event_seq rows between "
        "unbounded preceding and 1 preceding) as newest_before from staging.stg_community__votes) as v "
        "where occurred_at < newest_before",
    )
    assert late > 0
    assert published[0] == live[0]  # the first build publishes every NFT seen so far
    assert all(0 < count < nfts for count, nfts in zip(published[1:], live[1:], strict=True)), (published, live)

    incremental = _snapshot(target)
    history = scalar(target, "select count(*) from marts.nft_score_history")
    build_community(target, "--full-refresh")
    full = _snapshot(target)
    for name in CADENCE_FREE:
        assert_same_rows(name, incremental[name], full[name])
    # nothing moved, so a full refresh publishes nothing, and the log itself is never rebuilt
    assert scalar(target, "select count(*) from marts.nft_score_history") == history

    # recovery: the ratings find the generator's hidden quality
    truth = pq.read_table(world / "truth" / "nfts.parquet", columns=["nft_id", "quality"]).to_pydict()
    quality = dict(zip(truth["nft_id"], truth["quality"], strict=True))
    rated = query(target, "select nft_id, rating_mu, poa_score from marts.nft_stats where n_votes > 0")
    rho_mu = _spearman([quality[r[0]] for r in rated], [r[1] for r in rated])
    rho_poa = _spearman([quality[r[0]] for r in rated], [r[2] for r in rated])
    report = {"nfts": len(rated), "spearman_quality_mu": rho_mu, "spearman_quality_poa": rho_poa}
    Path(tmp_path / "recovery.json").write_text(json.dumps(report))
    print(f"recovery on small (seed 7): {report}")
    assert rho_mu > 0.7, report
