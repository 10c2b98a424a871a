"""Every failure a user can cause gets one clear answer, never a traceback; `warehouse status` explains rejects."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from warehouse.loaders.reasons import REASONS
from warehouse.loaders.run import load
from warehouse.settings import project_root

from landing import VOTE_COLUMNS, vote, write_csv


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: PLW1510 - the exit code is asserted
        [sys.executable, "-m", "warehouse.cli", *args],
        env={**os.environ, **env, "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_clear(result, code: int, *phrases: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    message = " ".join(result.stderr.split())
    for phrase in phrases:
        assert phrase in message, message


@pytest.mark.parametrize("command", [["status"], ["search", "defi"]])
def test_a_missing_duckdb_warehouse_is_named_and_never_created(tmp_path, command):
    path = tmp_path / "nowhere" / "warehouse.duckdb"
    result = cli(*command, env={"WAREHOUSE_TARGET": "duckdb", "WAREHOUSE_DUCKDB_PATH": str(path)})
    assert_clear(result, 1, f"no warehouse at {path}", "WAREHOUSE_DUCKDB_PATH")
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize("command", [["status"], ["build"], ["load", "votes", "x.csv"]])
def test_an_unreachable_server_names_host_and_port_and_what_to_check(tmp_path, command):
    if command[0] == "load":
        command = ["load", str(write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1")]))]
    env = {"WAREHOUSE_TARGET": "postgres", "PGHOST": "127.0.0.1", "PGPORT": "1", "PGDATABASE": "nothing"}
    result = cli(*command, env=env)
    assert_clear(result, 1, "cannot reach PostgreSQL at 127.0.0.1:1", "PGHOST/PGPORT")


@pytest.mark.postgres
def test_a_misconfigured_user_is_told_to_check_pguser(postgres_target):
    env = {**postgres_target.dbt_env(), "PGUSER": "no_such_role_anywhere"}
    result = cli("status", env=env)
    assert_clear(result, 1, "no_such_role_anywhere", "PGUSER")
    assert "again" not in result.stderr  # retrying cannot help


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["quality", "--layer", "gold"], "unknown layer gold"),
        (["search", "defi", "--type", "token"], "unknown --type 'token'; choose one of project, builder"),
        (["build", "--target", "oracle"], "unknown target 'oracle'"),
    ],
)
def test_bad_option_values_are_usage_errors(duckdb_target, args, phrase):
    assert_clear(cli(*args, env=duckdb_target.dbt_env()), 2, phrase)


def test_status_counts_rejects_per_source_and_explains_each_reason(duckdb_target, tmp_path):
    path = tmp_path / "votes.csv"
    good = ",".join(vote("v_1"))
    path.write_text(
        "\n".join(
            [",".join(VOTE_COLUMNS), good, good.replace("v_1", "v_2") + ",x", ",".join(vote("v_3", at="infinity"))]
        )
    )
    load([path], duckdb_target)
    result = cli("status", env=duckdb_target.dbt_env())
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    for code in ("malformed_row", "timestamp_out_of_range"):
        meaning, action = REASONS[code]
        assert code in out and meaning[:40] in out and action[:40] in out
    assert "quarantined rows and inferred members: run `warehouse build`" in out


def test_every_reject_reason_is_explained_in_the_loaders_readme_and_accepted_by_the_models():
    readme = (project_root() / "python" / "warehouse" / "loaders" / "README.md").read_text()
    models = (project_root() / "models" / "staging" / "ingestion" / "_ingestion__models.yml").read_text()
    for code, (meaning, action) in REASONS.items():
        assert f"| `{code}` | {meaning} | {action} |" in readme, code
        assert code in models, code
