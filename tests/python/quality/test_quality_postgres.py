"""The suites on PostgreSQL through GX's SQL datasource, and publication there: a failed audit leaves the
marts analysts read unchanged. The PostgreSQL warehouse here is the whole `small` build, Python steps
included (warehouse build runs them between dbt phases)."""

from __future__ import annotations

import pytest
from quality.quality_world import copy_postgres, execute_postgres, fetch_postgres, recorded_full_audit
from warehouse_testing import postgres_database

from warehouse.build import build
from warehouse.publish import last_publication, marts_database, publish
from warehouse.quality import run_quality

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def failures(run):
    return {(s.name, r.asset, r.column): r for s, r in run.failures()}


def test_the_clean_small_warehouse_passes_on_postgres(small_postgres):
    target, _ = small_postgres
    run = run_quality(target)
    assert failures(run) == {}, {k: (r.observed, r.detail) for k, r in failures(run).items()}
    assert run.success
    assert sum(r.success and not r.skipped for s in run.suites for r in s.results) >= 90


@pytest.fixture(scope="module")
def corrupted_postgres(small_postgres):
    with postgres_database() as into:
        target = copy_postgres(small_postgres[0], into)
        execute_postgres(
            target,
            # a rated vote missing between layers (the second), then a σ of 0 (the first)
            "delete from intermediate.int_votes_rated where event_seq = "
            "(select event_seq from intermediate.int_votes_rated order by event_seq offset 1 limit 1)",
            "update intermediate.int_votes_rated set winner_sigma = 0 where event_seq = "
            "(select min(event_seq) from intermediate.int_votes_rated)",
            "insert into marts.feed_projects select * from marts.feed_projects order by project_id limit 1",
            "update marts.operator_share_prices set share_price = 0 where (domain_id, epoch, operator_id) = "
            "(select domain_id, epoch, operator_id from marts.operator_share_prices order by 1, 2, 3 limit 1)",
            "delete from marts.epoch_analytics where (domain_id, epoch) = "
            "(select domain_id, epoch from marts.epoch_analytics order by 1, 2 limit 1)",
            "delete from raw.fires where occurred_at > (select max(occurred_at) - interval '5 days' from raw.fires)",
        )
        yield target, run_quality(target, ["raw", "intermediate", "marts"])


def test_corruptions_fail_their_expectations_on_postgres(corrupted_postgres):
    target, run = corrupted_postgres
    failed = failures(run)
    assert set(failed) == {
        ("intermediate.community", "votes_rated", "winner_sigma"),
        ("intermediate.community", "staging_to_intermediate_balance", "votes_not_rated"),
        ("marts.discovery", "feed_projects", "project_id"),
        ("marts.discovery", "staging_to_marts_balance", "projects_not_in_feed"),
        ("marts.staking", "operator_share_prices", "share_price"),
        ("marts.staking", "intermediate_to_marts_balance", "epochs_not_analysed"),
        ("raw.ingestion", "freshness", "fires_lag_hours"),
    }
    duplicated = fetch_postgres(target, "select min(project_id) from marts.feed_projects")[0][0]
    assert failed[("marts.discovery", "feed_projects", "project_id")].observed == (
        f"2 unexpected of 501, e.g. {duplicated}, {duplicated}"
    )
    assert failed[("marts.staking", "operator_share_prices", "share_price")].observed == (
        "1 unexpected of 5,357, e.g. 0.0"
    )
    assert failed[("marts.staking", "intermediate_to_marts_balance", "epochs_not_analysed")].observed == 1
    assert failed[("intermediate.community", "votes_rated", "winner_sigma")].observed == (
        "1 unexpected of 49,999, e.g. 0.0"
    )
    assert failed[("intermediate.community", "staging_to_intermediate_balance", "votes_not_rated")].observed == 1
    assert failed[("marts.discovery", "staging_to_marts_balance", "projects_not_in_feed")].observed == -1
    assert failed[("raw.ingestion", "freshness", "fires_lag_hours")].observed > 48
    assert not run.success


def test_a_failed_scheduled_audit_leaves_the_published_marts_unchanged_on_postgres(small_postgres, postgres_target):
    """A scheduled build audits in its worker while it stages the publication, and discards it on a failure."""
    target = recorded_full_audit(copy_postgres(small_postgres[0], postgres_target))
    first = publish(target, audit={"success": True})
    assert "marts.operator_share_prices" in first.tables
    before = last_publication(target)
    published = "select count(*), sum(share_price) from marts.operator_share_prices"
    rows_before = fetch_postgres(target, published, marts_database(target))
    # the build holds a share price of 0 in an epoch that no new data makes it recompute
    execute_postgres(
        target,
        "update marts.operator_share_prices set share_price = 0 where (domain_id, epoch, operator_id) = "
        "(select domain_id, epoch, operator_id from marts.operator_share_prices order by 1, 2, 3 limit 1)",
    )
    report = build(target, quiet=True, audit=True)
    assert report.full_audit is False and report.quality is not None, report.error
    assert {(s.name, r.asset, r.column) for s, r in report.quality.failures()} == {
        ("marts.staking", "operator_share_prices", "share_price")
    }
    assert not report.success and report.publication is None
    assert last_publication(target)["published_at"] == before["published_at"]
    assert fetch_postgres(target, published, marts_database(target)) == rows_before


def test_a_scoped_publication_refreshes_its_tables_and_keeps_the_others_on_postgres(small_postgres, postgres_target):
    target = copy_postgres(small_postgres[0], postgres_target)
    publish(target, audit={"success": True})
    counts = "select (select count(*) from marts.nft_scores), (select count(*) from marts.operator_share_prices)"
    [(scores, prices)] = fetch_postgres(target, counts, marts_database(target))
    execute_postgres(
        target,
        "delete from marts.operator_share_prices",  # outside the scope: the published version stays
        "delete from marts.nft_scores where nft_id in (select nft_id from marts.nft_scores order by nft_id limit 5)",
    )
    second = publish(target, audit={"success": True}, scope={"marts.nft_scores"})
    assert fetch_postgres(target, counts, marts_database(target)) == [(scores - 5, prices)]
    assert "marts.operator_share_prices" in second.tables
    comment = "select obj_description('marts.operator_share_prices'::regclass)"
    assert fetch_postgres(target, comment, marts_database(target))[0][0]
