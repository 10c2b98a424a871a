"""One writer at a time: the lock every writing command (`warehouse load`, `warehouse build`) holds.

- DuckDB: an exclusive `flock` on `<warehouse file>.lock` beside the warehouse file, held for the whole
  command; the lock file names the holder (pid, purpose, since). A warehouse file that another process
  has open (a DuckDB shell, an older build) counts as busy too: DuckDB's own file lock is probed before
  the command starts.
- PostgreSQL: a session-level advisory lock in the target database, held by a connection of its own
  whose `application_name` names the holder.

Both are tried without waiting, so a second writer is told within seconds that another build holds the
warehouse, and a killed writer releases its lock with its process (or its server session). Within one
thread the lock is re-entrant: `warehouse demo` loads and then builds under the same hold.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from warehouse.settings import Target

#: The advisory lock key on PostgreSQL (a fixed 64-bit number: hashtext of a name could collide).
PG_LOCK_KEY = 7_220_518_431_962_017
APPLICATION_PREFIX = "warehouse "


class WarehouseBusy(Exception):
    """Another writer (load or build) holds the warehouse; the message names it."""


_held = threading.local()


def _holds() -> dict[str, int]:
    if not hasattr(_held, "counts"):
        _held.counts = {}
    return _held.counts


def _key(target: Target) -> str:
    if target.is_postgres:
        return f"postgres:{target.pg_host}:{target.pg_port}/{target.pg_database}"
    return f"duckdb:{Path(target.duckdb_path).resolve()}"


def lock_path(target: Target) -> Path:
    """The lock file of a DuckDB warehouse: beside it, named after it."""
    path = Path(target.duckdb_path)
    return path.with_name(path.name + ".lock")


def _busy_message(holder: str | None) -> str:
    who = f" ({holder})" if holder else ""
    return (
        f"another build holds the warehouse{who}; wait for it to finish and run this again, "
        "or stop that process if it is stuck"
    )


def duckdb_lock_conflict(error: BaseException) -> str | None:
    """The holder named in DuckDB's "Could not set lock on file" error, '' if unnamed; None if not that error."""
    text = str(error)
    if "Could not set lock" not in text and "Conflicting lock" not in text:
        return None
    marker = "Conflicting lock is held in "
    if marker in text:
        return text.split(marker, 1)[1].split(".", 1)[0].split("\n", 1)[0].strip()
    return ""


def _probe_duckdb_file(path: Path) -> str | None:
    """Why the DuckDB file is busy (another process has it open), or None. Never creates the file."""
    if not path.exists():
        return None
    import duckdb

    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as error:
        holder = duckdb_lock_conflict(error)
        if holder is None:
            return None  # not a lock held elsewhere: the command itself will report it
        return _busy_message(f"the warehouse file is open in {holder}" if holder else "the warehouse file is open")
    return None


def _read_holder(handle) -> str | None:
    try:
        handle.seek(0)
        info = json.loads(handle.read() or "{}")
    except (OSError, ValueError):
        return None
    if not info:
        return None
    return f"{info.get('purpose', 'a writer')}, pid {info.get('pid')} on {info.get('host')}, since {info.get('since')}"


def _since() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@contextmanager
def _hold_duckdb(target: Target, purpose: str) -> Iterator[None]:
    path = lock_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the whole command
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(_busy_message(_read_holder(handle))) from None
        reason = _probe_duckdb_file(Path(target.duckdb_path))
        if reason:
            raise WarehouseBusy(reason)
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps({"purpose": purpose, "pid": os.getpid(), "host": socket.gethostname(), "since": _since()})
        )
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
    finally:
        handle.close()  # closing the descriptor releases the flock


def _pg_connect(target: Target, application_name: str | None = None):
    import psycopg2

    from warehouse.loaders.targets import ensure_database

    ensure_database(target)
    extra = f" application_name='{application_name[:60]}'" if application_name else ""
    con = psycopg2.connect(target.pg_dsn() + " connect_timeout=5" + extra)
    con.autocommit = True
    return con


def _pg_holder(cur) -> str | None:
    cur.execute(
        """
        select a.application_name, a.pid, a.client_addr, a.backend_start
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.database = (
            select oid from pg_database where datname = current_database())
          and ((l.classid::bigint << 32) | l.objid::bigint) = %s
        limit 1
        """,
        (PG_LOCK_KEY,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    name, pid, addr, since = row
    purpose = name[len(APPLICATION_PREFIX) :] if name and name.startswith(APPLICATION_PREFIX) else "a writer"
    return f"{purpose}, server pid {pid}{f' from {addr}' if addr else ''}, since {since:%Y-%m-%d %H:%M:%S}"


@contextmanager
def _hold_postgres(target: Target, purpose: str) -> Iterator[None]:
    con = _pg_connect(target, APPLICATION_PREFIX + purpose)
    try:
        cur = con.cursor()
        cur.execute("select pg_try_advisory_lock(%s)", (PG_LOCK_KEY,))
        if not cur.fetchone()[0]:
            raise WarehouseBusy(_busy_message(_pg_holder(cur)))
        try:
            yield
        finally:
            cur.execute("select pg_advisory_unlock(%s)", (PG_LOCK_KEY,))
    finally:
        con.close()  # ending the session releases the lock in any case


@contextmanager
def hold_warehouse(target: Target, purpose: str) -> Iterator[None]:
    """Holds the warehouse for one writing command; raises WarehouseBusy at once if another writer holds it.

    Re-entrant within a thread (a nested hold of the same warehouse is free).
    """
    key, holds = _key(target), _holds()
    if holds.get(key):
        holds[key] += 1
        try:
            yield
        finally:
            holds[key] -= 1
        return
    hold = _hold_postgres if target.is_postgres else _hold_duckdb
    with hold(target, purpose):
        holds[key] = 1
        try:
            yield
        finally:
            holds.pop(key, None)


def warehouse_busy(target: Target) -> str | None:
    """Why a writer could not start now (another load or build holds the warehouse), or None.

    For schedulers: it takes and releases the lock without waiting, and never creates a warehouse.
    """
    if _holds().get(_key(target)):
        return None
    if target.is_postgres:
        import psycopg2

        try:
            con = psycopg2.connect(target.pg_dsn() + " connect_timeout=5")
        except psycopg2.OperationalError as error:
            if "does not exist" in str(error):
                return None
            raise
        try:
            con.autocommit = True
            cur = con.cursor()
            cur.execute("select pg_try_advisory_lock(%s)", (PG_LOCK_KEY,))
            if cur.fetchone()[0]:
                cur.execute("select pg_advisory_unlock(%s)", (PG_LOCK_KEY,))
                return None
            return _busy_message(_pg_holder(cur))
        finally:
            con.close()
    path = lock_path(target)
    if path.exists():
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return _busy_message(_read_holder(handle))
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return _probe_duckdb_file(Path(target.duckdb_path))
