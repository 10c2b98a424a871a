"""Helpers for the discovery tests: dbt runs of the discovery selection and table snapshots."""

from __future__ import annotations

import math
from datetime import datetime

from warehouse_testing import dbt as run

from warehouse.build import BuildReport
from warehouse.settings import Target

from landing import query

DISCOVERY_SELECT = [
    "path:models/staging/discovery",
    "path:models/intermediate/discovery",
    "path:models/marts/discovery",
    "stg_community__users",
    "path:tests/dbt/discovery",
]

# (schema, table) -> key columns: every table-like model of the domain
TABLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("intermediate", "int_upvotes_resolved"): ("user_id", "project_id"),
    ("intermediate", "int_project_upvotes_counted"): ("project_id",),
    ("intermediate", "int_intro_requests_resolved"): ("request_id",),
    ("intermediate", "int_investor_chains_split"): ("investor_id", "position"),
    ("intermediate", "int_search_documents_assembled"): ("doc_type", "doc_id"),
    ("marts", "user_dashboard_stats"): ("user_id",),
    ("marts", "message_conversations"): ("conversation_id", "user_id"),
    ("marts", "intro_request_stats"): ("user_id",),
    ("marts", "feed_projects"): ("project_id",),
    ("marts", "leaderboard_projects"): ("project_id",),
    ("marts", "leaderboard_builders"): ("user_id",),
    ("marts", "chains_discovery"): ("chain_id",),
    ("marts", "project_details"): ("project_id",),
    ("marts", "chain_posts"): ("post_id",),
    ("marts", "investors_directory"): ("investor_id",),
    ("marts", "search_documents"): ("doc_type", "doc_id"),
    ("marts", "search_terms"): ("term", "doc_type", "doc_id"),
}
MARTS = [table for schema, table in TABLES if schema == "marts"]
INCREMENTAL = ["int_upvotes_resolved", "message_conversations", "chain_posts"]
BUILD_TIME_COLUMNS = {"as_of"}  # differ between any two builds by definition

Snapshot = dict[tuple, dict[str, object]]


def build_discovery(
    target: Target,
    *,
    full_refresh: bool = False,
    variables: dict | None = None,
    select: list[str] | None = None,
    command: str = "build",
    unit_tests: bool = True,
) -> BuildReport:
    """`dbt build` (or `run`) of the discovery models and their tests only (cautious: no test of a model
    outside the selection). The unit tests do not depend on the data: `unit_tests=False` skips them."""
    return run(
        target,
        command,
        select=select or DISCOVERY_SELECT,
        exclude=None if unit_tests else ["test_type:unit"],
        full_refresh=full_refresh,
        cautious=True,
        variables=variables,
    )


def failures(report: BuildReport) -> list[str]:
    return [f"{n.resource_type} {n.name}: {n.message}" for n in report.nodes if n.status in ("error", "fail")]


def columns(target: Target, schema: str, table: str) -> list[str]:
    rows = query(
        target,
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position",
    )
    return [name for (name,) in rows]


def snapshot(target: Target, schema: str, table: str, key: tuple[str, ...]) -> Snapshot:
    """The table as {key: {column: value}}; asserts the key is unique."""
    names = columns(target, schema, table)
    assert names, f"{schema}.{table} does not exist"
    rows = query(target, f"select {', '.join(names)} from {schema}.{table}")
    out: Snapshot = {}
    for row in rows:
        record = dict(zip(names, row, strict=True))
        k = tuple(record[c] for c in key)
        assert k not in out, f"{schema}.{table}: duplicate key {k}"
        out[k] = record
    return out


def snapshot_all(target: Target) -> dict[str, Snapshot]:
    return {table: snapshot(target, schema, table, key) for (schema, table), key in TABLES.items()}


def same_value(a: object, b: object, rel: float = 1e-9) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    return a == b


def differences(left: Snapshot, right: Snapshot, ignore: set[str] = BUILD_TIME_COLUMNS, limit: int = 5) -> list[str]:
    """Human-readable differences between two snapshots of one table (floats within 1e-9 relative)."""
    out: list[str] = []
    for k in sorted(set(left) ^ set(right), key=str)[:limit]:
        out.append(f"{k}: only in {'left' if k in left else 'right'}")
    for k in sorted(set(left) & set(right), key=str):
        a, b = left[k], right[k]
        if set(a) != set(b):
            out.append(f"{k}: columns differ {sorted(set(a) ^ set(b))}")
        for column in sorted(set(a) & set(b) - ignore):
            if not same_value(a[column], b[column]):
                out.append(f"{k}.{column}: {a[column]!r} != {b[column]!r}")
        if len(out) >= limit:
            break
    return out
