"""The community models on real engines: the models that need no Python step build and pass their tests on
PostgreSQL with the same results as on DuckDB; the Python steps read their parameters from the dbt vars and,
end to end in the warehouse, equal the openskill package."""

from __future__ import annotations

import math

import pytest
from community.community_world import (
    PYTHON_STEPS,
    build_community,
    community_files,
    execute,
    table_rows,
)
from openskill.models import BradleyTerryFull
from warehouse_testing import dbt

from warehouse.generate import generate_world
from warehouse.loaders.run import load

from landing import query, scalar

WITHOUT_PYTHON = ["--exclude", *(f"{step}+" for step in PYTHON_STEPS)]


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory):
    world = tmp_path_factory.mktemp("tiny_world")
    generate_world("tiny", 11, world)
    return community_files(world, tmp_path_factory.mktemp("tiny_landing"))


@pytest.mark.postgres
def test_models_without_python_steps_build_on_postgres_like_on_duckdb(postgres_target, duckdb_target, tiny_world):
    results = {}
    for target in (postgres_target, duckdb_target):
        load([tiny_world], target)
        report = build_community(target, *WITHOUT_PYTHON)
        built = {node.name for node in report.nodes if node.resource_type == "model"}
        assert built == {
            "stg_community__votes",
            "stg_community__sliders",
            "stg_community__fires",
            "stg_community__nfts",
            "stg_community__users",
            "int_nfts_tallied",
        }, built
        tests = [node for node in report.nodes if node.resource_type in ("test", "unit_test")]
        assert len(tests) >= 30 and all(node.status == "pass" for node in tests)
        assert "assert_poa_normal_cdf_accuracy" in {node.name for node in tests}
        results[target.name] = {
            "tallied": table_rows(target, "intermediate.int_nfts_tallied", "nft_id"),
            "counts": [
                scalar(target, f"select count(*) from staging.{name}")
                for name in ("stg_community__votes", "stg_community__sliders", "stg_community__fires",
                             "stg_community__nfts", "stg_community__users")
            ],
        }  # fmt: skip
    assert results["postgres"]["counts"] == results["duckdb"]["counts"]
    assert results["postgres"]["counts"][0] == 5000
    (columns, pg_rows), (_, duck_rows) = results["postgres"]["tallied"], results["duckdb"]["tallied"]
    assert len(pg_rows) == len(duck_rows) > 100
    assert [tuple(row) for row in pg_rows] == [tuple(row) for row in duck_rows], columns
    # the trailing-window count is exercised, not trivially zero
    assert sum(row[columns.index("n_votes_24h")] for row in pg_rows) > 0


def test_python_steps_follow_the_dbt_vars_and_equal_openskill(duckdb_target, tiny_world):
    """The Python steps take their parameters from the dbt vars. End to end — votes landed, ordered by event_seq
    and rated by the dbt Python model — unit weights give openskill's BradleyTerryFull after every vote."""
    target = duckdb_target
    load([tiny_world], target)
    overrides = {
        "poa_reliability_weighting": False,
        "poa_vote_weight_super": 1,
        "poa_slider_prior_mean": 40,
        "poa_slider_prior_sd": 10,
    }
    steps = ["--select", "stg_community__votes", "stg_community__sliders", *PYTHON_STEPS]
    dbt(target, "run", *steps, variables=overrides, check=True)
    assert query(target, "select distinct vote_weight from intermediate.int_votes_rated") == [(1.0,)]
    votes = query(
        target,
        "select v.winner_nft_id, v.loser_nft_id, r.winner_mu, r.winner_sigma, r.loser_mu, r.loser_sigma "
        "from intermediate.int_votes_rated r join staging.stg_community__votes v using (event_seq) "
        "order by event_seq",
    )
    assert len(votes) == 5000
    model = BradleyTerryFull(mu=1500, sigma=350, beta=175, tau=3.5, kappa=1e-4)
    players: dict = {}
    for winner, loser, winner_mu, winner_sigma, loser_mu, loser_sigma in votes:
        a = players.setdefault(winner, model.rating())
        b = players.setdefault(loser, model.rating())
        [[a], [b]] = model.rate([[a], [b]])
        players[winner], players[loser] = a, b
        assert math.isclose(winner_mu, a.mu, rel_tol=1e-9) and math.isclose(winner_sigma, a.sigma, rel_tol=1e-9)
        assert math.isclose(loser_mu, b.mu, rel_tol=1e-9) and math.isclose(loser_sigma, b.sigma, rel_tol=1e-9)
    # a user's first slider is z-scored against the prior alone: (x − 40)/10
    firsts = query(
        target,
        "select slider_value, shrunk_mean, shrunk_sd, slider_z from intermediate.int_sliders_calibrated "
        "where user_n_sliders = 1",
    )
    assert firsts and all((m, s) == (40.0, 10.0) and z == pytest.approx((x - 40) / 10) for x, m, s, z in firsts)

    dbt(target, "run", *steps, full_refresh=True, check=True)  # back to the spec's defaults
    assert scalar(target, "select count(distinct vote_weight) from intermediate.int_votes_rated") > 100
    assert scalar(target, "select count(*) from intermediate.int_votes_rated where vote_weight > 1.5") > 0
    assert sorted(query(target, "select distinct shrunk_mean from intermediate.int_sliders_calibrated "
                                "where user_n_sliders = 1")) == [(50.0,)]  # fmt: skip


def test_bad_votes_never_reach_the_elo_step_and_fail_the_source_tests(duckdb_target, tiny_world):
    """A vote outside the contract landed behind the loaders' back is filtered by staging — the Elo step, which
    refuses a pair of one NFT, never sees it — and fails the source test loudly: nothing is dropped silently."""
    target = duckdb_target
    load([tiny_world], target)
    execute(
        target,
        "insert into raw.votes (event_id, user_id, nft_a, nft_b, winner, vote_type, occurred_at, event_seq) "
        "values ('v_bad', 'u_000001', 'nft_000001', 'nft_000001', 'nft_000001', 'normal', "
        "timestamp '2026-01-02 00:00:00', 999999)",
    )
    dbt(target, "run", select=["stg_community__votes", "int_votes_rated"], check=True)
    assert scalar(target, "select count(*) from staging.stg_community__votes where event_id = 'v_bad'") == 0
    assert scalar(target, "select count(*) from intermediate.int_votes_rated where event_seq = 999999") == 0
    assert scalar(target, "select count(*) from intermediate.int_votes_rated") == 5000
    result = dbt(target, "test", select=["source:community.votes"])
    assert not result.success
    failed = {node.name for node in result.nodes if node.status in ("fail", "error")}
    assert any(name.startswith("source_expression_is_true_community_votes") for name in failed), failed
