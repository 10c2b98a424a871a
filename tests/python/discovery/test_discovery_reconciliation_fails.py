"""The reconciliation tests can fail: one wrong count in each mart (in a copy of the built warehouse)
fails that mart's test, and a message version that changes its participants fails the guard."""

from __future__ import annotations

import shutil

from warehouse.build import run_dbt
from warehouse.loaders.targets import open_warehouse

# mart -> (column to make wrong, key column picking one row)
CORRUPTIONS = {
    "feed_projects": ("net_upvotes", "project_id"),
    "leaderboard_projects": ("leaderboard_rank", "project_id"),
    "leaderboard_builders": ("projects_count", "user_id"),
    "user_dashboard_stats": ("unread_messages", "user_id"),
    "message_conversations": ("unread_count", "conversation_id"),
    "intro_request_stats": ("pending_count", "user_id"),
    "chains_discovery": ("posts_count", "chain_id"),
    "project_details": ("intro_requests_count", "project_id"),
    "chain_posts": ("comment_count", "post_id"),
    "investors_directory": ("focus_chains_count", "investor_id"),
    "search_documents": ("doc_length", "doc_id"),
}
EXPECTED_FAILURES = {
    f"assert_{'search_index' if mart == 'search_documents' else mart}_reconciles" for mart in CORRUPTIONS
} | {"assert_message_versions_keep_their_participants"}


def test_each_reconciliation_test_catches_one_wrong_count(discovery_run, duckdb_target):
    target = duckdb_target  # a file of the same name: DuckDB views name their catalog
    shutil.copy(discovery_run.target.duckdb_path, target.duckdb_path)
    warehouse = open_warehouse(target)
    try:
        for mart, (column, key) in CORRUPTIONS.items():
            warehouse.execute(
                f"update marts.{mart} set {column} = {column} + 1 where {key} = (select min({key}) from marts.{mart})"
            )
        # a new version of a message that moves it to another recipient
        warehouse.execute(
            "insert into raw.messages select message_id, conversation_id, sender_id, sender_id as recipient_id, body, "
            "sent_at, read_at, run_id, source_file, source_position, loaded_at, row_hash, "
            "(select max(event_seq) + 1 from raw.messages) from raw.messages "
            "where message_id = (select min(message_id) from raw.messages)"
        )
    finally:
        warehouse.close()
    report = run_dbt("test", target, "--select", "path:tests/dbt/discovery", quiet=True)
    statuses = {node.name: node.status for node in report.nodes}
    assert not report.success
    assert EXPECTED_FAILURES <= set(statuses)
    assert {name for name in EXPECTED_FAILURES if statuses[name] != "fail"} == set()
    assert statuses["assert_conversations_have_one_pair"] == "fail"  # sender = recipient: a second "pair"
