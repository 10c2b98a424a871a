"""No discovery mart holds a message body with the default vars; with expose_message_previews the
preview column appears and holds them (so the check below can fail)."""

from __future__ import annotations

import shutil

from discovery.discovery_helpers import MARTS, build_discovery, columns, failures

from landing import query, scalar

TEXT_TYPES = ("varchar", "text", "character varying", "string")


def mart_cells_holding_message_bodies(target) -> dict[str, int]:
    """Per mart text column, how many values equal the body of a landed message."""
    found = {}
    text_columns = query(
        target,
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'marts'",
    )
    for table, column, data_type in text_columns:
        if table not in MARTS or data_type.lower() not in TEXT_TYPES:
            continue
        hits = scalar(
            target,
            f"select count(*) from marts.{table} as m where m.{column} in "
            "(select body from raw.messages where body is not null and body <> '')",
        )
        if hits:
            found[f"{table}.{column}"] = hits
    return found


def test_no_mart_column_holds_message_bodies_with_default_vars(discovery_run):
    target = discovery_run.target
    assert scalar(target, "select count(*) from raw.messages where body <> ''") > 10_000
    assert mart_cells_holding_message_bodies(target) == {}
    assert not any("preview" in c or c == "body" for c in columns(target, "marts", "message_conversations"))


def test_the_preview_column_exists_only_when_exposed_and_then_holds_bodies(discovery_run, duckdb_target):
    target = duckdb_target  # a file of the same name: DuckDB views name their catalog
    shutil.copy(discovery_run.target.duckdb_path, target.duckdb_path)
    report = build_discovery(
        target, full_refresh=True, variables={"expose_message_previews": True}, select=["message_conversations"]
    )
    assert report.success, failures(report) or report.error
    assert "last_message_preview" in columns(target, "marts", "message_conversations")
    found = mart_cells_holding_message_bodies(target)
    assert set(found) == {"message_conversations.last_message_preview"}
    assert found["message_conversations.last_message_preview"] == scalar(
        target, "select count(*) from marts.message_conversations"
    )
