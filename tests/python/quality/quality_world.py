"""Helpers of the quality tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from warehouse.settings import Target, target_from_env


def copy_duckdb(target: Target, folder: Path, with_publication: bool = False) -> Target:
    """A copy of the build file under the same name (dbt's views refer to its catalog name) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(target.duckdb_path, folder / target.duckdb_path.name)
    if with_publication:
        shutil.copy(target.duckdb_path.with_name("marts.duckdb"), folder / "marts.duckdb")
    return target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(folder / target.duckdb_path.name)})
