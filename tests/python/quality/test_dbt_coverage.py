"""The dbt side of coverage, read from the manifest: every model has a grain test and a description, every
column of a composite key is also not_null, every column of a built mart is documented."""

from __future__ import annotations

import json

import duckdb
import pytest


@pytest.fixture(scope="module")
def manifest(quality_dbt_artifacts, small_duckdb):
    """The manifest the shared `small` build wrote."""
    return json.loads((quality_dbt_artifacts / "target" / "manifest.json").read_text())


def models(manifest):
    return {node["unique_id"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


def data_tests_by_model(manifest) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata") and node.get("attached_node"):
            found.setdefault(node["attached_node"], []).append(node)
    return found


def grain(tests: list[dict]) -> tuple[set[str], list[list[str]], set[str]]:
    """(columns with both unique and not_null, composite keys of unique_combination tests, columns tested not null
    by not_null or not_null_columns)."""
    unique, not_null, composite = set(), set(), []
    for test in tests:
        name, kwargs = test["test_metadata"]["name"], test["test_metadata"]["kwargs"]
        if name == "unique":
            unique.add(kwargs["column_name"])
        elif name == "not_null":
            not_null.add(kwargs["column_name"])
        elif name == "not_null_columns":
            not_null.update(kwargs["columns"])
        elif name == "unique_combination":
            composite.append(list(kwargs["columns"]))
    return unique & not_null, composite, not_null


def test_every_model_has_a_description_and_a_grain_test(manifest):
    tests = data_tests_by_model(manifest)
    undocumented = [n["name"] for n in models(manifest).values() if not n["description"].strip()]
    without_grain = []
    for unique_id, node in models(manifest).items():
        keys, composite, _ = grain(tests.get(unique_id, []))
        if not keys and not composite:
            without_grain.append(node["name"])
    assert undocumented == [], f"models without a description: {undocumented}"
    assert without_grain == [], (
        f"models without a grain test (unique + not_null, or unique_combination): {without_grain}"
    )


def test_every_column_of_a_composite_key_is_also_not_null(manifest):
    tests = data_tests_by_model(manifest)
    missing = []
    for unique_id, node in models(manifest).items():
        _, composite, not_null = grain(tests.get(unique_id, []))
        missing += [f"{node['name']}.{c}" for key in composite for c in key if c not in not_null]
    assert missing == [], f"composite-key columns without not_null: {missing}"


def test_the_rejects_have_their_grain_test(manifest):
    [rejects] = [n for n in models(manifest).values() if n["name"] == "stg_ingestion__rejects"]
    keys, composite, _ = grain(data_tests_by_model(manifest).get(rejects["unique_id"], []))
    assert keys or composite


def test_the_models_tested_on_every_scheduled_build_check_their_required_columns_in_one_test(manifest):
    """A model whose tests read only its new rows (`meta.test_scope_column`) has its tests run in every scheduled
    build, each a node that its downstream models wait for: its required columns are one not_null_columns test."""
    tests = data_tests_by_model(manifest)
    per_column, without = [], []
    for unique_id, node in models(manifest).items():
        if not (node["config"].get("meta") or {}).get("test_scope_column"):
            continue
        names = [test["test_metadata"]["name"] for test in tests.get(unique_id, [])]
        per_column += [node["name"]] if "not_null" in names else []
        without += [] if "not_null_columns" in names else [node["name"]]
    assert per_column == [] and without == [], f"not_null per column: {per_column}; no not_null_columns: {without}"


def test_every_column_of_every_built_mart_is_documented(manifest, small_duckdb):
    """Against the built warehouse: a column the SQL adds without YAML is caught too."""
    target, _ = small_duckdb
    connection = duckdb.connect(str(target.duckdb_path.with_name("marts.duckdb")), read_only=True)
    built = {}
    for schema, table, column in connection.execute(
        "select schema_name, table_name, column_name from duckdb_columns() where not internal"
    ).fetchall():
        built.setdefault((schema, table), []).append(column)
    connection.close()
    undocumented = []
    for node in models(manifest).values():
        if node["fqn"][1:2] != ["marts"]:
            continue
        declared = {name: c.get("description", "").strip() for name, c in node["columns"].items()}
        for column in built.get((node["schema"], node["alias"] or node["name"]), []):
            if not declared.get(column):
                undocumented.append(f"{node['schema']}.{node['name']}.{column}")
    assert undocumented == [], f"mart columns without a description: {undocumented}"


#: What dbt reads in a column's entry of a properties file.
COLUMN_KEYS = {"name", "description", "data_type", "data_tests", "tests", "config", "meta", "constraints", "quote"}


def test_every_column_entry_says_only_what_dbt_reads():
    """An unquoted comma in a one-line entry (`- {name: tier, description: 0, 20, …}`) cuts the description
    and adds keys dbt ignores (a number as a key also stops dbt from reusing its parse between runs)."""
    import yaml

    from warehouse.settings import project_root

    def columns(node):
        if isinstance(node, dict):
            yield from (c for c in node.get("columns") or [] if isinstance(c, dict))
            for value in node.values():
                yield from columns(value)
        elif isinstance(node, list):
            for value in node:
                yield from columns(value)

    stray = []
    for path in sorted((project_root() / "models").rglob("*.yml")):
        for column in columns(yaml.safe_load(path.read_text())):
            extra = [key for key in column if key not in COLUMN_KEYS]
            if extra:
                stray.append(f"{path.name}: column {column.get('name')}: {extra}")
    assert not stray, "\n".join(stray)
