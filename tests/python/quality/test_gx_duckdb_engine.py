"""What warehouse.quality relies on in Great Expectations + duckdb-engine, on the pinned versions. When an
upgrade changes any of it, one of these fails and says what to revisit in python/warehouse/quality/engine.py."""

from __future__ import annotations

import duckdb
import pytest
from great_expectations import expectations as gxe
from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

from warehouse.quality.engine import add_datasource, buffer_duckdb_results, ephemeral_context, exception_messages
from warehouse.settings import target_from_env

ROWS = 100_000
BAD_ROW = 77


@pytest.fixture(scope="module")
def hundred_k(tmp_path_factory):
    path = tmp_path_factory.mktemp("gx_engine") / "warehouse.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute(
        f"create schema marts; create table marts.t as "
        f"select i as id, case when i = {BAD_ROW} then -1 else i % 100 end as v from range({ROWS}) r(i)"
    )
    connection.close()
    return target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path)})


def validate(target, suite_name: str, asset_kind: str = "query"):
    import great_expectations as gx

    context = ephemeral_context()
    datasource = add_datasource(context, target)
    if asset_kind == "query":
        asset = datasource.add_query_asset("t", query="select * from marts.t")
    else:
        asset = datasource.add_table_asset("t", table_name="t", schema_name="marts")
    suite = gx.ExpectationSuite(name=suite_name)
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=100))
    suite.add_expectation(gxe.ExpectColumnMeanToBeBetween(column="v", min_value=0, max_value=10))
    return asset.add_batch_definition_whole_table("all").get_batch().validate(suite)


def test_buffered_results_compute_the_metrics_in_duckdb(hundred_k):
    in_range, mean = validate(hundred_k, "buffered").results
    assert exception_messages(in_range.exception_info) == [] and exception_messages(mean.exception_info) == []
    assert not in_range.success and in_range.result["unexpected_count"] == 1
    assert in_range.result["element_count"] == ROWS and in_range.result["partial_unexpected_list"] == [-1]
    expected_mean = (sum(i % 100 for i in range(ROWS)) - BAD_ROW % 100 - 1) / ROWS
    assert not mean.success and mean.result["observed_value"] == pytest.approx(expected_mean)


def test_stock_gx_still_reads_duckdb_results_after_the_connection_closed(hundred_k, monkeypatch):
    """If this fails, GX (or duckdb-engine) fixed the closed-cursor bug: the buffering in engine.py can go."""
    buffer_duckdb_results()
    monkeypatch.setattr(SqlAlchemyExecutionEngine, "execute_query", SqlAlchemyExecutionEngine.stock_execute_query)
    in_range, mean = validate(hundred_k, "stock").results
    for result in (in_range, mean):
        assert not result.success
        assert any("list index out of range" in m for m in exception_messages(result.exception_info))


def test_table_assets_outside_main_still_fail_so_assets_are_queries(hundred_k):
    """If this fails, duckdb-engine's introspection honours the schema: table assets would work too."""
    for result in validate(hundred_k, "table", asset_kind="table").results:
        assert not result.success
        assert any("Table with name t does not exist" in m for m in exception_messages(result.exception_info))
