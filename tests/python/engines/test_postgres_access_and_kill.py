"""On a PostgreSQL warehouse built by `warehouse build`: an analyst (a login member of the analyst role) reads
the marts and ops, and nothing of raw, staging or intermediate; a build killed during a Python step leaves the
step's table as it was, and the next build completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg2
import pytest
from warehouse_testing import postgres_database

from warehouse.build import build
from warehouse.generate import generate_delta, generate_world
from warehouse.loaders.run import load
from warehouse.python_steps.engine import FAULT_ENV, PAUSED_MARKER

from landing import query, scalar

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def built(tmp_path_factory, analyst_role):
    """A tiny world landed and built on a database of its own."""
    world = tmp_path_factory.mktemp("tiny")
    generate_world("tiny", 9, world)
    with postgres_database() as target:
        load([world], target)
        report = build(target, quiet=True)
        assert report.success, report.error
        yield target, world


def _denied(dsn: str, relation: str) -> bool:
    con = psycopg2.connect(dsn)
    try:
        with con.cursor() as cur:
            cur.execute(f"select * from {relation} limit 1")
        return False
    except psycopg2.errors.InsufficientPrivilege:
        return True
    finally:
        con.close()


def test_an_analyst_reads_marts_and_ops_and_nothing_upstream(built, analyst_role):
    target, _ = built
    login = f"{analyst_role}_member"
    assert scalar(target, f"select rolcanlogin from pg_roles where rolname = '{analyst_role}'") is False
    admin = psycopg2.connect(target.pg_dsn())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create role "{login}" login in role "{analyst_role}"')
    try:
        dsn = target.pg_dsn().replace(f"user={target.pg_user}", f"user={login}")
        analyst = psycopg2.connect(dsn)
        with analyst.cursor() as cur:
            cur.execute("select count(*) from marts.nft_scores")
            assert cur.fetchone()[0] > 10
            cur.execute("select count(*) from ops.pipeline_dirty_nfts")
            cur.execute("select count(*) from marts.feed_projects")
        analyst.close()
        upstream = query(
            target,
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate') order by 1",
        )
        assert len(upstream) > 30
        for relation in ["raw.messages", *(name for (name,) in upstream)]:
            assert _denied(dsn, relation), f"the analyst can read {relation}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop role if exists "{login}"')
        admin.close()


def _step_tables(target) -> tuple:
    votes = "select count(*), sum(event_seq), sum(winner_mu), max(voter_beta) from intermediate.int_votes_rated"
    sliders = (
        "select count(*), sum(event_seq), sum(slider_z), max(user_n_sliders) from intermediate.int_sliders_calibrated"
    )
    return tuple(query(target, votes)[0]), tuple(query(target, sliders)[0])


def test_a_build_killed_in_a_python_step_leaves_its_table_and_the_rerun_completes(built, tmp_path):
    target, world = built
    generate_delta(world, tmp_path / "delta", events=2_000)
    load([tmp_path / "delta"], target)
    before = _step_tables(target)
    steps = ["int_sliders_calibrated", "int_votes_rated"]  # with their tests (one checks both steps)
    command = [sys.executable, "-m", "warehouse.cli", "build", "--target", "postgres"]
    command += [argument for step in steps for argument in ("--select", step)]
    env = {**os.environ, **target.dbt_env(), FAULT_ENV: "pause-before-commit"}
    printed = tmp_path / "build.out"
    with printed.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        errors = []
        for line in process.stderr:
            errors.append(line)
            if PAUSED_MARKER in line or time.monotonic() > deadline:
                break
        process.poll()
        assert process.returncode is None, (
            "the build ended before the Python step reached its commit:\n" + printed.read_text() + "".join(errors)
        )
        process.send_signal(signal.SIGKILL)  # the new rows are written, nothing is committed
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert _step_tables(target) == before
    report = build(target, select=steps, quiet=True)
    assert report.success, report.error
    after = _step_tables(target)
    for (rows, seqs, *_), (rows_before, seqs_before, *_) in zip(after, before, strict=True):
        assert rows > rows_before and seqs > seqs_before
    assert after[0][0] == scalar(target, "select count(*) from staging.stg_community__votes")
    assert after[1][0] == scalar(target, "select count(*) from staging.stg_community__sliders")
