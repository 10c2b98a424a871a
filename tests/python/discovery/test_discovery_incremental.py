"""The discovery models built batch by batch equal a full refresh, pass every dbt test (reconciliation
with the raw tables included) after every batch, and rewrite only the rows that new events touch."""

from __future__ import annotations

import pytest
from discovery.discovery_helpers import INCREMENTAL, MARTS, TABLES, differences

RECONCILIATIONS = {f"assert_{mart}_reconciles" for mart in MARTS if not mart.startswith("search_")} | {
    "assert_search_index_reconciles"
}


def test_every_batch_build_passes_its_tests_including_reconciliation_and_unit_tests(discovery_run):
    assert len(discovery_run.reports) == 3
    for report in discovery_run.reports:
        statuses = {node.name: node.status for node in report.nodes}
        assert RECONCILIATIONS <= set(statuses), sorted(RECONCILIATIONS - set(statuses))
        assert all(statuses[name] == "pass" for name in RECONCILIATIONS)
        assert {"message_conversations", "feed_projects", "search_terms"} <= set(statuses)
    unit_tests = [n for n in discovery_run.reports[0].nodes if n.resource_type == "unit_test"]
    assert len(unit_tests) >= 10 and all(n.status == "pass" for n in unit_tests)


def test_the_batches_really_add_discovery_events(discovery_run):
    first, second, third = discovery_run.marks
    assert first < second < third
    # the delta batches hold new upvotes, message versions and comments for rows built earlier
    assert len(discovery_run.incremental["message_conversations"]) > 0
    assert len(discovery_run.incremental["chain_posts"]) > 1_000


@pytest.mark.parametrize("table", [table for _, table in TABLES])
def test_incremental_build_equals_full_refresh(discovery_run, table):
    incremental, full = discovery_run.incremental[table], discovery_run.full_refresh[table]
    assert len(incremental) == len(full) > 0
    assert differences(incremental, full) == []


@pytest.mark.parametrize("table", [t for t in INCREMENTAL if t != "int_upvotes_resolved"])
def test_incremental_marts_rewrite_only_rows_with_new_events(discovery_run, table):
    """A row's as_of is the build right after its newest event landed: rows without new events are
    not recomputed (the model reads only what is new since its last run)."""
    rows = discovery_run.incremental[table].values()
    seen_builds = set()
    for row in rows:
        build = next(i for i, mark in enumerate(discovery_run.marks) if row["newest_event_seq"] <= mark)
        assert row["as_of"] == discovery_run.build_times[build], row
        seen_builds.add(build)
    assert seen_builds == {0, 1, 2}


def test_upvote_state_keeps_counts_across_batches(discovery_run):
    """Pairs touched again in a later batch accumulate their action counts (state carried over)."""
    state = discovery_run.incremental["int_upvotes_resolved"].values()
    assert any(row["n_actions"] > 1 and row["first_action_at"] < row["last_action_at"] for row in state)
    assert all(row["is_up"] == (row["last_action"] == "up") for row in state)
