"""Row-for-row comparison of a warehouse's tables across engines: floats within 1e-9 relative, integers and
128-bit amounts exact, text byte-exact."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from decimal import Decimal

from warehouse.settings import Target

from landing import query

COMPARED_SCHEMAS = ("marts", "ops")


def build_time_columns() -> set[str]:
    """Columns that hold when a build ran, not data (the project's own list, var
    payload_version_build_time_columns): they differ between any two builds."""
    import yaml

    from warehouse.settings import project_root

    project = yaml.safe_load((project_root() / "dbt_project.yml").read_text())
    return set(project["vars"]["payload_version_build_time_columns"])


#: Columns that record when and by which run rows landed or were published, per relation ("*": every one).
#: Two warehouses loaded at different moments differ there by design; every other column is compared.
#: ops.payload_versions hashes each mart's rows (load times included) and its column types (engine names);
#: ops.ingestion_health also holds each load's phase timings (columns *_ms).
RUN_DEPENDENT = {
    "*": {"published_at", "newest_loaded_at", "clan_latest_loaded_at", "newest_data_at"},
    "ops.ingestion_health": {"run_id", "started_at", "finished_at"},
    "ops.payload_versions": {"payload_version", "schema_hash"},
    # when each test last passed; the stored search query is each engine's own SQL dialect
    "ops.test_watermarks": {"recorded_at"},
    "marts.search_query_templates": {"query_sql"},
}


def compared_columns(relation: str, columns: list[str]) -> list[int]:
    skipped = build_time_columns() | RUN_DEPENDENT["*"] | RUN_DEPENDENT.get(relation, set())
    timings = relation == "ops.ingestion_health"
    return [
        index
        for index, column in enumerate(columns)
        if column not in skipped and not (timings and column.endswith("_ms"))
    ]


def tables(target: Target, schemas=COMPARED_SCHEMAS) -> list[str]:
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    rows = query(
        target,
        f"select table_schema, table_name from information_schema.tables where table_schema in ({listed})",
    )
    return sorted(f"{schema}.{name}" for schema, name in rows)


def _value(value):
    """One engine-neutral form per value: exact integers for integral decimals, naive UTC timestamps, parsed
    JSON documents; floats stay floats (compared with a tolerance)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, (list, tuple)):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _value(item) for key, item in value.items()}
    return value


def snapshot(target: Target, relation: str) -> tuple[list[str], list[tuple]]:
    """Columns and rows of a table, rows in a canonical order (by the non-float columns, then the floats)."""
    schema, name = relation.split(".")
    columns = [
        column
        for (column,) in query(
            target,
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position",
        )
    ]
    rows = [tuple(_value(value) for value in row) for row in query(target, f"select * from {relation}")]

    keyed = compared_columns(relation, columns)

    def order(row):
        values = [row[index] for index in keyed]
        exact = [(value is None, type(value).__name__, str(value)) for value in values if not isinstance(value, float)]
        floats = [
            round(value, 6) if math.isfinite(value) else str(value) for value in values if isinstance(value, float)
        ]
        return exact, floats

    return columns, sorted(rows, key=order)


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, (dict, list)):
        a = json.loads(a)
    if isinstance(b, str) and isinstance(a, (dict, list)):
        b = json.loads(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def snapshots(target: Target, relations: list[str]) -> dict[str, tuple[list[str], list[tuple]]]:
    return {relation: snapshot(target, relation) for relation in relations}


def differences(left: dict, right: dict, labels: tuple[str, str] = ("left", "right"), limit: int = 5) -> list[str]:
    """Every difference between two sets of snapshots (columns, row counts, values), at most `limit` values
    per table."""
    found = []
    for relation in sorted(set(left) | set(right)):
        if relation not in left or relation not in right:
            found.append(f"{relation}: only in {labels[0] if relation in left else labels[1]}")
            continue
        (columns, rows), (other_columns, other_rows) = left[relation], right[relation]
        if columns != other_columns:
            found.append(f"{relation}: columns {columns} vs {other_columns}")
            continue
        if len(rows) != len(other_rows):
            found.append(f"{relation}: {len(rows)} rows vs {len(other_rows)}")
            continue
        shown = 0
        compared = compared_columns(relation, columns)
        for row, other in zip(rows, other_rows, strict=True):
            for index in compared:
                if not _same(row[index], other[index]) and shown < limit:
                    found.append(
                        f"{relation}.{columns[index]}: {row[index]!r} ({labels[0]}) vs {other[index]!r} ({labels[1]})"
                    )
                    shown += 1
    return found
