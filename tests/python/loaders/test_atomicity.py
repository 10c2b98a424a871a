"""A load that fails or is killed part-way leaves raw exactly as before; running it again completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from warehouse.loaders.run import FAULT_ENV, PAUSED_MARKER, load

from landing import SLIDER_COLUMNS, VOTE_COLUMNS, raw_fingerprint, scalar, vote, write_csv


def _landing(tmp_path, n_votes=20_000):
    write_csv(
        tmp_path / "votes.csv",
        VOTE_COLUMNS,
        [
            vote(f"v_{i:06d}", at=f"2026-03-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z")
            for i in range(n_votes)
        ],
    )
    write_csv(
        tmp_path / "sliders.csv",
        SLIDER_COLUMNS,
        [[f"s_{i}", "u_1", "nft_1", "50", "2026-03-01T12:00:00Z"] for i in range(100)],
    )
    return tmp_path


def test_a_killed_load_leaves_raw_as_before_and_a_rerun_completes_it(target, tmp_path):
    first = write_csv(tmp_path / "first" / "votes.csv", VOTE_COLUMNS, [vote("v_first")])
    load([first], target)
    before = raw_fingerprint(target)
    landing = _landing(tmp_path / "landing")
    env = {**os.environ, **target.dbt_env(), FAULT_ENV: "pause-before-commit"}
    process = subprocess.Popen(
        [sys.executable, "-m", "warehouse.cli", "load", str(landing), "--target", target.name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        for line in process.stderr:
            if PAUSED_MARKER in line or time.monotonic() > deadline:
                break
        assert process.poll() is None, "the load ended before it reached the pause"
        process.send_signal(signal.SIGKILL)  # every row written, nothing committed
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert raw_fingerprint(target) == before
    report = load([landing], target)
    assert [f.rows_written for f in report.files] == [100, 20_000]
    assert scalar(target, "select count(*) from raw.votes") == 20_001


def test_a_load_that_fails_before_commit_writes_nothing(target, tmp_path, monkeypatch):
    landing = _landing(tmp_path, n_votes=50)
    before = raw_fingerprint(target)
    monkeypatch.setenv(FAULT_ENV, "fail-before-commit")
    with pytest.raises(RuntimeError, match="injected failure"):
        load([landing], target)
    assert raw_fingerprint(target) == before
    monkeypatch.delenv(FAULT_ENV)
    load([landing], target)
    assert scalar(target, "select count(*) from raw.votes") == 50
