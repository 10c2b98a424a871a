"""A file unusable as a whole: one clear line naming the file and the problem, exit 1; the other files land."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from landing import VOTE_COLUMNS, query, raw_fingerprint, vote, write_csv


def _run_load(target, *paths):
    env = {**os.environ, **target.dbt_env(), "COLUMNS": "200"}
    return subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        [sys.executable, "-m", "warehouse.cli", "load", *map(str, paths), "--target", target.name],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "name, content, problem",
    [
        (
            "votes.csv",
            "event_id,user_id,nft_a,nft_b,winner,occurred_at\nv_1,u_1,n_1,n_2,n_1,2026-03-01T12:00:00Z\n",
            "wrong columns for votes (missing vote_type)",
        ),
        ("votes.parquet", "this is not parquet", "unreadable as parquet"),
        ("epochs.json", '{"epoch": 1, ', "not JSON"),
        ("roster_ABC_1.json", "[1, 2", "not JSON"),
    ],
)
def test_an_unusable_file_lands_nothing_and_the_other_files_land(target, tmp_path, name, content, problem):
    good = write_csv(
        tmp_path / "fires.csv",
        ["event_id", "user_id", "nft_id", "occurred_at"],
        [["f_1", "u_1", "nft_1", "2026-03-01T12:00:00Z"]],
    )
    bad = tmp_path / name
    bad.write_text(content)
    before = raw_fingerprint(target)
    result = _run_load(target, good, bad)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert str(bad) in message and problem in message
    assert "Traceback" not in result.stderr
    after = raw_fingerprint(target)
    changed = {k: (before[k], v) for k, v in after.items() if v != before[k]}
    assert changed == {"fires": (0, 1), "landed_files": (0, 1), "ingest_logs": (0, 4)}  # read, validate, write + failed
    [(status, error)] = query(target, "select status, error from raw.ingest_logs where status <> 'ok'")
    assert status == "failed" and problem in error
    assert "the other files landed" in message


def test_unknown_source_and_missing_path_are_usage_errors(duckdb_target, tmp_path):
    path = write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1")])
    result = _run_load(duckdb_target, "nonsense", path)
    assert result.returncode == 2 and "unknown source 'nonsense'" in " ".join(result.stderr.split())
    result = _run_load(duckdb_target, tmp_path / "missing.csv")
    assert result.returncode == 2 and "no such file or folder" in result.stderr
