"""The generator and the loaders agree: a generated world and its delta land whole, through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from landing import query


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: PLW1510 - the exit code is asserted
        [sys.executable, "-m", "warehouse.cli", *args],
        env={**os.environ, **env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_generated_world_and_delta_land_without_rejects(duckdb_target, tmp_path: Path) -> None:
    env = duckdb_target.dbt_env()
    world, delta = tmp_path / "world", tmp_path / "delta"
    for args in (
        ("generate", "--scale", "tiny", "--seed", "3", "--out", str(world)),
        ("generate", "--delta-of", str(world), "--events", "2000", "--out", str(delta)),
        ("load", str(world)),
        ("load", str(delta)),
    ):
        result = _cli(*args, env=env)
        assert result.returncode == 0, result.stderr
    assert query(duckdb_target, "select count(*) from raw.rejects") == [(0,)]
    generated = {}
    for folder in (world, delta):
        for path in folder.iterdir():
            if path.suffix == ".csv":
                generated[path.stem] = generated.get(path.stem, 0) + sum(1 for _ in path.open()) - 1
    for table in ("votes", "sliders", "fires", "upvotes", "post_comments"):
        assert query(duckdb_target, f"select count(*) from raw.{table}") == [(generated[table],)], table
    # a second load of both folders is a no-op
    for folder in (world, delta):
        assert _cli("load", str(folder), env=env).returncode == 0
    assert query(duckdb_target, "select count(*) from raw.votes") == [(generated["votes"],)]
    unbalanced = query(
        duckdb_target,
        """
        select file from raw.ingest_logs group by run_id, file
        having sum(rows_read) <> sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate)""",
    )
    assert unbalanced == []
