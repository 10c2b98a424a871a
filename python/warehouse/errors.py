"""One line for every failure a user can cause: what is wrong, and what to do (retry only where it helps).

The CLI turns exceptions from the warehouse connection into a `Failure` (message, hint) instead of a
traceback: an unreachable or misconfigured PostgreSQL server, a DuckDB file that is missing, locked or
unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.locking import WarehouseBusy, duckdb_lock_conflict
from warehouse.settings import Target


@dataclass(frozen=True)
class Failure:
    message: str
    hint: str | None = None
    #: exit status: 1 a failure, 2 a usage error, 75 try again later (another writer holds the warehouse)
    code: int = 1


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


def _postgres_failure(error: BaseException, target: Target) -> Failure | None:
    try:
        import psycopg2
    except ImportError:  # pragma: no cover - psycopg2 is a dependency
        return None
    if not isinstance(error, psycopg2.OperationalError):
        return None
    text = str(error)
    where = f"{target.pg_host}:{target.pg_port}"
    if "password authentication failed" in text or "no password supplied" in text:
        return Failure(
            f"PostgreSQL at {where} refused user {target.pg_user!r}: {_first_line(error)}",
            "check PGUSER and PGPASSWORD",
        )
    if "role" in text and "does not exist" in text:
        return Failure(f"PostgreSQL at {where} has no role {target.pg_user!r}", "check PGUSER")
    if "database" in text and "does not exist" in text:
        return Failure(
            f"PostgreSQL at {where} has no database {target.pg_database!r}",
            "check PGDATABASE, or run `warehouse load` to create the warehouse",
        )
    if any(
        marker in text
        for marker in ("could not connect", "Connection refused", "timeout expired", "could not translate host name")
    ):
        return Failure(
            f"cannot reach PostgreSQL at {where}: {_first_line(error)}",
            "check that the server is running and that PGHOST/PGPORT point at it; run the command again once it is up",
        )
    return Failure(
        f"PostgreSQL at {where} failed: {_first_line(error)}",
        "the server dropped the connection or refused the request; run the command again, and check the "
        "server's log if it fails the same way",
    )


def _duckdb_failure(error: BaseException, target: Target) -> Failure | None:
    import duckdb

    if not isinstance(error, duckdb.Error):
        return None
    holder = duckdb_lock_conflict(error)
    if holder is not None:
        busy = WarehouseBusy(
            f"another build holds the warehouse (the file is open in {holder or 'another process'}); "
            "wait for it to finish and run this again"
        )
        return Failure(str(busy), code=75)
    if isinstance(error, duckdb.IOException):
        return Failure(
            f"cannot open the DuckDB warehouse {target.duckdb_path}: {_first_line(error)}",
            "check the path in WAREHOUSE_DUCKDB_PATH and its permissions",
        )
    return None


def describe(error: BaseException, target: Target, doing: str) -> Failure:
    """The one-line account of an unexpected error while `doing` something against the target."""
    if isinstance(error, WarehouseBusy):
        return Failure(str(error), code=75)
    for known in (_postgres_failure, _duckdb_failure):
        failure = known(error, target)
        if failure is not None:
            return failure
    if isinstance(error, OSError):
        return Failure(f"{doing} failed: {_first_line(error)}", "check the path, free disk space and permissions")
    return Failure(f"{doing} failed: {type(error).__name__}: {_first_line(error)}")


def missing_warehouse(target: Target) -> Failure | None:
    """A Failure when the warehouse a reading command needs does not exist; never creates one."""
    if target.is_postgres:
        import psycopg2

        try:
            psycopg2.connect(target.pg_dsn() + " connect_timeout=5").close()
        except psycopg2.OperationalError as error:
            return describe(error, target, "connecting")
        return None
    path = target.duckdb_path
    if path is None or not path.exists():
        return Failure(
            f"no warehouse at {path} (WAREHOUSE_DUCKDB_PATH)",
            "point WAREHOUSE_DUCKDB_PATH at an existing warehouse file, or create one with `warehouse load DIR` "
            "(or `warehouse demo`)",
        )
    return None
