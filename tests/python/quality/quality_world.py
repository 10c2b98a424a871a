"""Helpers of the quality tests."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from warehouse.settings import Target, target_from_env


def copy_duckdb(target: Target, folder: Path, with_publication: bool = False) -> Target:
    """A copy of the build file under the same name (dbt's views refer to its catalog name) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(target.duckdb_path, folder / target.duckdb_path.name)
    if with_publication:
        shutil.copy(target.duckdb_path.with_name("marts.duckdb"), folder / "marts.duckdb")
    return target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(folder / target.duckdb_path.name)})


def copy_postgres(target: Target, name: str) -> Target:
    """A copy of the target's database (CREATE DATABASE … TEMPLATE), dropped by `drop_postgres`."""
    import psycopg2

    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (target.pg_database,),
        )
        cursor.execute(f'create database "{name}" template "{target.pg_database}"')
    admin.close()
    return replace(target, pg_database=name)


def drop_postgres(target: Target, *databases: str) -> None:
    import psycopg2

    admin = psycopg2.connect(target.pg_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        for database in databases:
            cursor.execute(f'drop database if exists "{database}" with (force)')
    admin.close()


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
