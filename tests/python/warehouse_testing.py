"""What every test suite needs from dbt and PostgreSQL, in one place.

- `dbt(target, command, *args, ...)`: a dbt command in this process, results as warehouse.build's
  BuildReport; with `reuse_parse` the project is parsed once per engine and warehouse name and reused (a
  parse costs seconds; the clans and staking suites invoke dbt hundreds of times). Not for selections
  that test an ephemeral model: dbt marks the manifest it compiled (CTEs injected) and a reused manifest
  then lacks the CTE.
- `compile_inline(target, sql)`: SQL with project macros as dbt compiles it for the target's engine.
- `postgres_database(prefix)`: a fresh database on the server (context manager), dropped afterwards;
  the test is skipped, with the reason, only when no server answers. `duckdb_database()`: the same for a
  DuckDB file. Both name the database by slot (see `_slot`), so that builds keep partial parsing.
- `DATA_ONLY`: `--exclude` selectors of a build that makes the data and runs no test, for a reference
  warehouse that a test only compares against (its tests would prove nothing the test asserts).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from warehouse.build import BuildReport, NodeResult, dbt_args, run_dbt
from warehouse.settings import Target, target_from_env

PG_ENV = {
    "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
    "PGPORT": os.environ.get("PGPORT", "5432"),
    "PGUSER": os.environ.get("PGUSER", "postgres"),
    "PGPASSWORD": os.environ.get("PGPASSWORD", ""),
}

DATA_ONLY = ["resource_type:test", "resource_type:unit_test"]

_TARGET_ROOT = Path(tempfile.mkdtemp(prefix="warehouse-tests-dbt-"))
atexit.register(shutil.rmtree, _TARGET_ROOT, True)
_MANIFESTS: dict[str, object] = {}


def postgres_unreachable_reason() -> str | None:
    """None when a PostgreSQL server answers at PGHOST:PGPORT, else why not."""
    import psycopg2

    try:
        psycopg2.connect(
            dbname="postgres",
            connect_timeout=3,
            host=PG_ENV["PGHOST"],
            port=PG_ENV["PGPORT"],
            user=PG_ENV["PGUSER"],
            password=PG_ENV["PGPASSWORD"] or None,
        ).close()
    except psycopg2.OperationalError as error:
        return f"no PostgreSQL server reachable at {PG_ENV['PGHOST']}:{PG_ENV['PGPORT']}: {str(error).strip()}"
    return None


#: This process's test databases are named by slot, the lowest free one: `<prefix>_<process>_<n>` on
#: PostgreSQL, `<process folder>/duckdb_<n>/warehouse.duckdb` for DuckDB. A database is dropped after its test
#: and the next test's is made under the same name. dbt's partial-parse state holds the database (its profile
#: hash), so a build on a fresh database under a used name parses only what changed instead of the whole
#: project (about 5 s a build).
_PROCESS = uuid.uuid4().hex[:8]
_DUCKDB_ROOT = Path(tempfile.mkdtemp(prefix="warehouse-tests-duckdb-"))
atexit.register(shutil.rmtree, _DUCKDB_ROOT, True)
_SLOTS_IN_USE: set[tuple[str, int]] = set()


@contextmanager
def _slot(kind: str) -> Iterator[int]:
    """The lowest number of `kind` no open database of this process holds, held until the context ends."""
    number = 0
    while (kind, number) in _SLOTS_IN_USE:
        number += 1
    _SLOTS_IN_USE.add((kind, number))
    try:
        yield number
    finally:
        _SLOTS_IN_USE.discard((kind, number))


def _forget_builds(target: Target) -> None:
    """What the builds kept about a dropped database (its last build and full audit): the next database under
    its name starts as a new one."""
    from warehouse.build import LAST_BUILD, LAST_FULL_AUDIT, _remember

    for record in (LAST_BUILD, LAST_FULL_AUDIT):
        _remember(record, target, None)


@contextmanager
def postgres_database(prefix: str = "warehouse_test") -> Iterator[Target]:
    """A target on a new database `<prefix>_<process>_<slot>` of the server, dropped (forcibly, with its
    analysts' database) afterwards."""
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    import psycopg2

    with _slot(prefix) as slot:
        target = target_from_env("postgres", {**PG_ENV, "PGDATABASE": f"{prefix}_{_PROCESS}_{slot}"})
        try:
            yield target
        finally:
            admin = psycopg2.connect(target.pg_dsn("postgres"))
            admin.autocommit = True
            with admin.cursor() as cur:
                # the analysts' database a publication made, by its default name (never a configured one)
                for database in (target.pg_database, f"{target.pg_database}_marts"):
                    cur.execute(f'drop database if exists "{database}" with (force)')
            admin.close()
            _forget_builds(target)


@contextmanager
def duckdb_database() -> Iterator[Target]:
    """A target on a new DuckDB file `warehouse.duckdb` in a folder of its slot, removed afterwards with
    everything the build put beside it (the published marts, the quality reports)."""
    from warehouse.build import release_duckdb

    with _slot("duckdb") as slot:
        folder = _DUCKDB_ROOT / f"duckdb_{slot}"
        folder.mkdir()
        target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(folder / "warehouse.duckdb")})
        try:
            yield target
        finally:
            release_duckdb()
            shutil.rmtree(folder)
            _forget_builds(target)


def _invoke(target: Target, command: str, *args: str):
    """dbt in-process on `target` with the manifest parsed once per engine and warehouse name (relations
    carry the database name: DuckDB the file's stem, PostgreSQL the database)."""
    from dbt.cli.main import dbtRunner

    from warehouse.build import _environment

    if target.is_postgres:
        from warehouse.loaders.targets import ensure_database

        ensure_database(target)
    key = f"{target.name}-{target.pg_database if target.is_postgres else target.duckdb_path.stem}"
    target_path = str(_TARGET_ROOT / key)
    with _environment(target.dbt_env()):
        if key not in _MANIFESTS:
            parsed = dbtRunner().invoke(["--quiet", *dbt_args("parse", target, "--target-path", target_path)])
            assert parsed.success, parsed.exception
            _MANIFESTS[key] = parsed.result
        runner = dbtRunner(manifest=_MANIFESTS[key])
        return runner.invoke(["--quiet", *dbt_args(command, target, "--target-path", target_path, *args)])


def dbt(
    target: Target,
    command: str = "build",
    *args: str,
    select: list[str] | None = None,
    exclude: list[str] | None = None,
    full_refresh: bool = False,
    tests: bool = True,
    cautious: bool = False,
    variables: dict | None = None,
    check: bool = False,
    reuse_parse: bool = False,
) -> BuildReport:
    """dbt `command` on `target`: `select`/`exclude` node selections, `tests=False` leaves data and unit tests
    out, `cautious` runs no test of a model outside the selection, `variables` are dbt vars (parsed anew:
    vars shape the manifest), `check` asserts success with every failure in the message, `reuse_parse`
    reuses the parsed project (see the module's docstring)."""
    extra = [*args]
    for selector in select or []:
        extra += ["--select", selector]
    for selector in exclude or []:
        extra += ["--exclude", selector]
    if full_refresh:
        extra.append("--full-refresh")
    if not tests:
        extra += ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    if cautious:
        extra += ["--indirect-selection", "cautious"]
    if variables:
        import json

        extra += ["--vars", json.dumps(variables)]
    if variables or not reuse_parse:
        report = run_dbt(command, target, *extra, quiet=True)
    else:
        result = _invoke(target, command, *extra)
        nodes = [
            NodeResult(r.node.name, str(r.node.resource_type), str(r.status), float(r.execution_time or 0), r.message)
            for r in getattr(result.result, "results", None) or []
            if getattr(r, "node", None) is not None
        ]
        error = None if result.success else (str(result.exception) if result.exception else "dbt reported failures")
        report = BuildReport(success=bool(result.success), nodes=nodes, error=error)
    if check:
        assert report.success, f"dbt {command} failed: {report.error}\n{failures(report)}"
    return report


def compile_inline(target: Target, sql: str) -> str:
    """The SQL that dbt compiles `sql` (Jinja, project macros) to, for `target`'s engine."""
    result = _invoke(target, "compile", "--inline", sql)
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def failures(report: BuildReport) -> str:
    """Every failed node of a report, one line each."""
    return "\n".join(f"{n.name}: {n.status} {n.message or ''}" for n in report.nodes if n.status in ("error", "fail"))
