"""ops.payload_versions, an ETag per mart: unchanged by a rebuild without new data, changed by new data,
changed by a new column (and back when the column goes), on DuckDB and PostgreSQL."""

from __future__ import annotations

import json

from clans.clans_helpers import dbt, member, refresh_payload_versions, write_roster
from warehouse_testing import compile_inline, failures

from warehouse.loaders.run import load
from warehouse.loaders.targets import open_warehouse

from landing import query

OWN_MARTS = {"clan_members", "member_metrics", "ingestion_health", "ingestion_alerts"}


def _versions(target) -> dict[str, str]:
    refresh_payload_versions(target)  # as the on-run-end hook would, after every mart of the build
    rows = query(target, "select mart, payload_version, version_basis from ops.payload_versions")
    assert {m for m, _, _ in rows} >= OWN_MARTS
    assert {b for m, _, b in rows if m in OWN_MARTS} == {"declared"}
    return {m: v for m, v, _ in rows if m in OWN_MARTS}


def _build(target, *extra):
    report = dbt(target, "build", *extra, tests=False)
    assert report.success, failures(report)


def test_payload_versions_change_with_data_and_schema_only(module_target, tmp_path):
    target = module_target
    members = [member("#A", trophies=3000), member("#B")]
    load([write_roster(tmp_path / "one", "2026-03-01T12:00:00Z", members)], target)
    _build(target)
    first = _versions(target)

    _build(target, "--full-refresh")  # every table rebuilt from scratch, no new data
    assert _versions(target) == first

    members[0]["trophies"] = 3100
    load([write_roster(tmp_path / "two", "2026-03-02T12:00:00Z", members)], target)
    _build(target)
    second = _versions(target)
    changed = {m for m in OWN_MARTS if second[m] != first[m]}
    assert changed == {"clan_members", "member_metrics", "ingestion_health"}  # no alert: same (empty) alerts

    warehouse = open_warehouse(target)
    try:
        warehouse.execute("alter table marts.clan_members add column nickname varchar")
    finally:
        warehouse.close()
    with_column = _versions(target)
    assert {m for m in OWN_MARTS if with_column[m] != second[m]} == {"clan_members"}

    _build(target)  # the model rebuilds the table without the extra column: same schema, same data as before
    assert _versions(target) == second


def test_a_mart_without_a_declared_timestamp_uses_its_data_timestamps_not_build_time(duckdb_target):
    columns = [
        {"name": "project_id", "dtype": "VARCHAR"},
        {"name": "as_of", "dtype": "TIMESTAMP WITH TIME ZONE"},
        {"name": "newest_event_at", "dtype": "TIMESTAMP"},
        {"name": "created_on", "dtype": "DATE"},
        {"name": "n_upvotes", "dtype": "INTEGER"},
    ]
    cases = {
        "undeclared": ({"name": "feed", "config": {"meta": {}}, "meta": {}}, columns),
        "declared": ({"name": "feed", "config": {"meta": {"data_timestamp": "newest_event_at"}}, "meta": {}}, columns),
        "no timestamps": ({"name": "board", "config": {"meta": {}}, "meta": {}}, columns[:1] + columns[-1:]),
    }
    sql = " || ".join(
        f"{{{{ tojson(payload_version_timestamp_columns({json.dumps(node)}, {json.dumps(cols)})) }}}}"
        for node, cols in cases.values()
    ).replace(" || ", "\n")
    compiled = [json.loads(line) for line in compile_inline(duckdb_target, sql).splitlines()]
    assert compiled == [
        {"basis": "detected", "columns": ["newest_event_at", "created_on"]},
        {"basis": "declared", "columns": ["newest_event_at"]},
        {"basis": "row_count", "columns": []},
    ]
