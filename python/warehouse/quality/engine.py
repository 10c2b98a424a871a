"""Great Expectations on the warehouse's engines: one SQL datasource per run, metrics computed in the engine.

PostgreSQL goes through GX's SQL datasource as it is. DuckDB (duckdb-engine) needs one fix, verified on the
pinned versions (great-expectations 1.24.x, duckdb-engine 0.17.x, SQLAlchemy 2.x):

- GX's `SqlAlchemyExecutionEngine.execute_query` returns the cursor result *after* its `with connection`
  block has closed the connection. duckdb-engine's cursor is gone by then, so every metric fails with
  "list index out of range". `buffer_duckdb_results()` makes the query path buffer the rows inside the
  connection (SQLAlchemy's `Result.freeze()`, then calling the frozen result gives a readable result), for the
  duckdb dialect only; the SQL itself — counts, means, min/max, unexpected rows — still runs in DuckDB.
- Table assets in a schema other than `main` fail (duckdb-engine's column introspection ignores the schema:
  "Table with name t does not exist"), so every asset is a query asset: `select * from marts.t`.

tests/python/quality/test_gx_duckdb_engine.py fails when an upgrade changes either behaviour, so the fix can
be dropped (or redone) knowingly.
"""

from __future__ import annotations

import logging
import warnings

from warehouse.settings import Target

_PATCH_FLAG = "_warehouse_buffers_duckdb_results"


def buffer_duckdb_results() -> None:
    """Buffer query results inside the connection for the duckdb dialect (idempotent; other dialects as GX has it)."""
    from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

    if getattr(SqlAlchemyExecutionEngine, _PATCH_FLAG, False):
        return
    stock_execute_query = SqlAlchemyExecutionEngine.execute_query

    def execute_query(self, query):
        if self.dialect_name != "duckdb":
            return stock_execute_query(self, query)
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            return result.freeze()()

    SqlAlchemyExecutionEngine.execute_query = execute_query
    SqlAlchemyExecutionEngine.stock_execute_query = stock_execute_query  # what GX does without the fix
    setattr(SqlAlchemyExecutionEngine, _PATCH_FLAG, True)


def connection_string(target: Target) -> str:
    if target.is_postgres:
        password = f":{target.pg_password}" if target.pg_password else ""
        return (
            f"postgresql+psycopg2://{target.pg_user}{password}@{target.pg_host}:{target.pg_port}/{target.pg_database}"
        )
    return f"duckdb:///{target.duckdb_path}"


def engine_kwargs(target: Target) -> dict:
    # read-only: the suites never write, and a read-only DuckDB connection does not block other readers
    return {} if target.is_postgres else {"connect_args": {"read_only": True}}


def quiet_gx() -> None:
    """GX logs and warns per metric; the report and the summary are what a user reads. Some GX modules set
    their own logger's level (INFO), which a level on the package's logger does not override: every GX logger
    created so far is quieted too (call it after importing GX)."""
    for name in ["great_expectations", *logging.root.manager.loggerDict]:
        if name.split(".")[0] == "great_expectations":
            logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="great_expectations")
    warnings.filterwarnings("ignore", message=".*duckdb-engine.*")


def ephemeral_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    quiet_gx()
    buffer_duckdb_results()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def add_datasource(context, target: Target):
    name = f"warehouse_{target.name}"
    if target.is_postgres:
        return context.data_sources.add_postgres(name, connection_string=connection_string(target))
    return context.data_sources.add_sql(name, connection_string=connection_string(target), kwargs=engine_kwargs(target))


def exception_messages(info: dict | None) -> list[str]:
    """GX's exception_info is either one {exception_message, ...} or one such dict per failed metric."""
    if not info:
        return []
    if "exception_message" in info:
        return [info["exception_message"]] if info.get("raised_exception") or info["exception_message"] else []
    return [m for value in info.values() if isinstance(value, dict) for m in exception_messages(value)]
