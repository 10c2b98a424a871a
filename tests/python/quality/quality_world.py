"""Helpers of the quality tests."""

from __future__ import annotations

import shutil

from warehouse.publish import marts_path
from warehouse.settings import Target


def copy_duckdb(target: Target, into: Target, with_publication: bool = False) -> Target:
    """The build file (and with_publication its published marts) copied to `into`, a fresh target whose file
    has the same name (dbt's views refer to its catalog name): `into`."""
    assert into.duckdb_path.name == target.duckdb_path.name, "dbt's views refer to the file's catalog name"
    into.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(target.duckdb_path, into.duckdb_path)
    if with_publication:
        shutil.copy(marts_path(target), marts_path(into))
    return into


def copy_postgres(target: Target, into: Target) -> Target:
    """The target's database copied (CREATE DATABASE … TEMPLATE) to `into`, a fresh target on the same server:
    `into`."""
    import psycopg2

    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (target.pg_database,),
        )
        cursor.execute(f'create database "{into.pg_database}" template "{target.pg_database}"')
    admin.close()
    return into


def recorded_full_audit(target: Target) -> Target:
    """`target` with a full audit on record now (as the original's build left it): its next whole build is a
    scheduled one."""
    from warehouse.build import LAST_FULL_AUDIT, _now, _remember, project_fingerprint

    _remember(LAST_FULL_AUDIT, target, {"project": project_fingerprint(), "at": _now().isoformat()})
    return target


def execute_postgres(target: Target, *statements: str) -> None:
    import psycopg2

    connection = psycopg2.connect(target.pg_dsn())
    with connection, connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


def fetch_postgres(target: Target, sql: str, database: str | None = None) -> list[tuple]:
    import psycopg2

    connection = psycopg2.connect(target.pg_dsn(database))
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()
