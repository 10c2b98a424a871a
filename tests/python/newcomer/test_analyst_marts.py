"""The marts as an analyst meets them in the demo warehouse: every mart reads into pandas (128-bit amounts
through their DOUBLE companions), descriptions are comments in the warehouse, no temporary relation is
left by an incremental build, and a copied or renamed warehouse file answers every relation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

ANALYST_SCHEMAS = ("marts", "ops")
EXACT_TYPES = ("UHUGEINT",)


def _relations(con: duckdb.DuckDBPyConnection, schemas=ANALYST_SCHEMAS) -> list[tuple[str, str]]:
    listed = ", ".join(f"'{s}'" for s in schemas)
    return con.execute(
        f"select table_schema, table_name from information_schema.tables where table_schema in ({listed}) order by 1, 2"
    ).fetchall()


def _models(project: Path) -> dict[tuple[str, str], dict]:
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    return {
        (node["schema"], node["alias"]): node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot") and node["config"].get("materialized") != "ephemeral"
    }


@pytest.mark.slow
def test_every_mart_reads_into_pandas(demo_warehouse: Path) -> None:
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        relations = _relations(con)
        assert len(relations) >= 25, relations
        for schema, name in relations:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                f"where table_schema = '{schema}' and table_name = '{name}'"
            ).fetchall()
            names = {column for column, _ in columns}
            exact = [column for column, dtype in columns if dtype in EXACT_TYPES]
            for column in exact:
                assert f"{column}_double" in names, f"{schema}.{name}.{column} has no DOUBLE companion"
            select = f"select * exclude ({', '.join(exact)})" if exact else "select *"
            frame = con.sql(f"{select} from {schema}.{name}").df()
            assert list(frame.columns) == [column for column, _ in columns if column not in exact]
            if exact:
                [(exact_value, companion)] = con.execute(
                    f"select cast({exact[0]} as varchar), {exact[0]}_double from {schema}.{name} "
                    f"where {exact[0]} is not null limit 1"
                ).fetchall() or [("0", 0.0)]
                assert companion == pytest.approx(float(int(exact_value)), rel=1e-15)


@pytest.mark.slow
def test_descriptions_are_comments_in_the_warehouse(fresh_copy: Path, demo_warehouse: Path) -> None:
    models = _models(fresh_copy)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        tables = {
            (s, n): c
            for s, n, c in con.execute(
                "select schema_name, table_name, comment from duckdb_tables() union all "
                "select schema_name, view_name, comment from duckdb_views() where not internal"
            ).fetchall()
        }
        columns = {
            (s, t, c): comment
            for s, t, c, comment in con.execute(
                "select schema_name, table_name, column_name, comment from duckdb_columns()"
            ).fetchall()
        }
    checked = 0
    for (schema, name), node in models.items():
        if node["resource_type"] != "model" or schema not in ("staging", "intermediate", *ANALYST_SCHEMAS):
            continue
        assert (schema, name) in tables, f"{schema}.{name} was not built"
        assert node["description"].strip(), f"{schema}.{name} has no description"
        assert (tables[(schema, name)] or "").strip() == node["description"].strip(), f"{schema}.{name}"
        for column, documented in node["columns"].items():
            if documented.get("description") and (schema, name, column) in columns:
                assert (columns[(schema, name, column)] or "").strip() == documented["description"].strip(), (
                    f"{schema}.{name}.{column}"
                )
                checked += 1
    assert checked > 300, checked


@pytest.mark.slow
def test_no_temporary_relation_after_an_incremental_build(demo_warehouse: Path, rebuild) -> None:
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        leftovers = con.execute(
            "select schema_name, table_name from duckdb_tables() where table_name like '%dbt_tmp%' "
            "or table_name like '%dbt_backup%' union all "
            "select schema_name, view_name from duckdb_views() where view_name like '%dbt_tmp%'"
        ).fetchall()
    assert leftovers == []


@pytest.mark.slow
def test_a_copied_warehouse_file_answers_every_relation_under_any_name(
    demo_warehouse: Path, rebuild, tmp_path: Path
) -> None:
    copy = tmp_path / "analysis copy 2.duckdb"
    shutil.copy(demo_warehouse, copy)
    schemas = ("staging", "intermediate", "snapshots", *ANALYST_SCHEMAS)
    with duckdb.connect(str(copy), read_only=True) as con:
        relations = _relations(con, schemas)
        assert len(relations) >= 60, relations
        for schema, name in relations:
            con.execute(f'select count(*) from {schema}."{name}"').fetchall()
    with duckdb.connect() as con:
        con.execute(f"attach '{copy}' as shared_copy (read_only)")
        for schema, name in relations:
            con.execute(f'select count(*) from shared_copy.{schema}."{name}"').fetchall()
