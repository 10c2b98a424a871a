"""Where the project lives and which warehouse a command talks to (from the environment only)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TARGETS = ("duckdb", "postgres")

#: PostgreSQL settings of dbt's build sessions. The planner guesses a handful of rows for filters that
#: compare columns with each other (the staging views' `nft_a <> nft_b and winner in (nft_a, nft_b)`) and then
#: picks nested loops: on `standard` one relationship test ran for more than 15 minutes instead of 3 s. A
#: build scans and joins whole tables, where hash joins are the right plan; JIT compilation only adds
#: seconds to its hundreds of short queries.
BUILD_SESSION_OPTIONS = "-c enable_nestloop=off -c jit=off"


def _is_project(folder: Path) -> bool:
    """Whether ``folder`` is a checkout of this dbt project (its dbt_project.yml names `warehouse`)."""
    config = folder / "dbt_project.yml"
    return config.is_file() and any(line.strip() == "name: warehouse" for line in config.read_text().splitlines())


def read_yaml(path: Path) -> dict:
    """A YAML file of the project as a mapping ({} when empty), parsed by libyaml when PyYAML has it (about
    ten times faster than the pure-Python parser: the loader reads the sources' contracts every load)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(), Loader=loader) or {}


def project_root() -> Path:
    """The dbt project folder: the checkout the working directory is in, else the one this package was
    installed from (so a second clone run with the first clone's environment builds its own files)."""
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        if _is_project(folder):
            return folder
    here = Path(__file__).resolve().parents[2]
    if _is_project(here):
        return here
    raise FileNotFoundError("no dbt_project.yml of the warehouse above the working directory; run from its folder")


@dataclass(frozen=True)
class Target:
    """A warehouse connection: the embedded DuckDB file or a PostgreSQL database."""

    name: str
    duckdb_path: Path | None = None
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_database: str = "warehouse"

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    def pg_dsn(self, database: str | None = None) -> str:
        parts = {
            "host": self.pg_host,
            "port": self.pg_port,
            "user": self.pg_user,
            "dbname": database or self.pg_database,
        }
        if self.pg_password:
            parts["password"] = self.pg_password
        return " ".join(f"{key}={value}" for key, value in parts.items())

    def describe(self) -> str:
        if self.is_postgres:
            return f"postgres://{self.pg_user}@{self.pg_host}:{self.pg_port}/{self.pg_database}"
        return f"duckdb:{self.duckdb_path}"

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt invocation against this target (profiles.yml reads these).

        On PostgreSQL dbt's sessions also get BUILD_SESSION_OPTIONS (through libpq's PGOPTIONS, after the
        user's own)."""
        if self.is_postgres:
            options = " ".join(filter(None, [os.environ.get("PGOPTIONS", ""), BUILD_SESSION_OPTIONS]))
            return {
                "WAREHOUSE_TARGET": "postgres",
                "PGHOST": self.pg_host,
                "PGPORT": str(self.pg_port),
                "PGUSER": self.pg_user,
                "PGPASSWORD": self.pg_password,
                "PGDATABASE": self.pg_database,
                "PGOPTIONS": options,
            }
        return {"WAREHOUSE_TARGET": "duckdb", "WAREHOUSE_DUCKDB_PATH": str(self.duckdb_path)}


def dbt_target_dir() -> Path:
    """dbt's target path (its artifacts, and the records builds keep beside them): $DBT_TARGET_PATH, relative
    to the project as dbt reads it, else the project's target/."""
    folder = Path(os.environ.get("DBT_TARGET_PATH") or project_root() / "target")
    return folder if folder.is_absolute() else project_root() / folder


def target_from_env(name: str | None = None, env: dict[str, str] | None = None) -> Target:
    """The target named (or `WAREHOUSE_TARGET`, default duckdb) with the same settings profiles.yml uses."""
    env = dict(os.environ if env is None else env)
    name = name or env.get("WAREHOUSE_TARGET", "duckdb")
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; choose one of {', '.join(TARGETS)}")
    if name == "postgres":
        return Target(
            name=name,
            pg_host=env.get("PGHOST", "127.0.0.1"),
            pg_port=int(env.get("PGPORT", "5432")),
            pg_user=env.get("PGUSER", "postgres"),
            pg_password=env.get("PGPASSWORD", ""),
            pg_database=env.get("PGDATABASE", "warehouse"),
        )
    path = Path(env.get("WAREHOUSE_DUCKDB_PATH", "warehouse.duckdb"))
    if not path.is_absolute():
        path = project_root() / path
    return Target(name=name, duckdb_path=path)
