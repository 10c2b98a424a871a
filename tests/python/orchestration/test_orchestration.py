"""The Dagster code location through Dagster's in-process APIs (no UI): the definitions load, the schedule and
trigger follow the dbt vars, the sensors request each run once, community_scoring publishes a super vote's
NFT, busy warehouses are skipped, and failed runs show in `warehouse status`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml
from typer.testing import CliRunner

from warehouse.cli import app
from warehouse.loaders.run import load
from warehouse.orchestration.resources import WarehouseResource
from warehouse.orchestration.settings import WRITER_TAG, cadence, cron_every
from warehouse.publish import marts_path
from warehouse.settings import project_root

from landing import VOTE_COLUMNS, query, scalar, vote, write_csv

DOMAINS = {"community", "discovery", "staking", "clans"}


def tick(defs: dg.Definitions, name: str, cursor: str | None = None):
    sensor = defs.resolve_sensor_def(name)
    context = dg.build_sensor_context(
        cursor=cursor, instance=dg.DagsterInstance.ephemeral(), resources={"warehouse": WarehouseResource()}
    )
    with context as ctx:
        return sensor.evaluate_tick(ctx)


def read_only(path: Path, sql: str, published: bool = False) -> list[tuple]:
    """Reads a DuckDB file (read-only, attached under another name) from a fresh process, as an analyst would:
    this process keeps the files its in-process runs opened, in the configurations they used."""
    code = (
        "import duckdb, json, sys\n"
        "from warehouse.publish import open_published\n"
        "con = open_published(sys.argv[1]) if sys.argv[3] else duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(json.dumps(con.execute(sys.argv[2]).fetchall()))\n"
    )
    command = [sys.executable, "-c", code, str(path), sql, "1" if published else ""]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return [tuple(row) for row in json.loads(out.stdout)]


def job_keys(defs: dg.Definitions, name: str) -> set[str]:
    job = defs.resolve_job_def(name)
    return {key.to_user_string() for key in job.asset_layer.selected_asset_keys}


def test_definitions_load_with_the_jobs_schedule_and_sensors_of_the_spec(defs):
    dg.Definitions.validate_loadable(defs)
    repository = defs.get_repository_def()
    assert {job.name for job in repository.get_all_jobs() if not job.name.startswith("__")} == {
        "land_files",
        "warehouse_build",
        "community_scoring",
    }
    assert {schedule.name for schedule in repository.schedule_defs} == {"hourly_build"}
    sensors = {sensor.name for sensor in repository.sensor_defs}
    assert sensors == {"landing_sensor", "scoring_trigger", "run_failure_log"}
    assert defs.resolve_schedule_def("hourly_build").job_name == "warehouse_build"
    for name in ("land_files", "warehouse_build", "community_scoring"):
        assert WRITER_TAG in defs.resolve_job_def(name).tags, name  # one writer at a time (the run queue's limit)

    # one asset per dbt model, seed and snapshot, plus the raw tables, grouped by domain
    groups: dict[str, set[str]] = {}
    for spec in defs.resolve_all_asset_specs():
        groups.setdefault(spec.group_name, set()).add(spec.key.to_user_string())
    assert DOMAINS <= set(groups) and set(groups) <= DOMAINS | {"ops"}
    assert {"marts/nft_scores", "ops/pipeline_dirty_nfts", "raw/votes"} <= groups["community"]
    assert {"marts/feed_projects", "raw/projects"} <= groups["discovery"]
    assert {"marts/operator_share_prices", "raw/epochs"} <= groups["staking"]
    assert {"marts/clan_members", "snapshots/clan_member_history"} <= groups["clans"]

    everything = job_keys(defs, "warehouse_build")
    scoring = job_keys(defs, "community_scoring")
    assert {"marts/feed_projects", "marts/nft_scores", "ops/payload_versions"} <= everything
    assert scoring == groups["community"] - {key for key in groups["community"] if key.startswith("raw/")}
    assert {"staging/stg_community__votes", "intermediate/int_votes_rated", "marts/nft_scores"} <= scoring


def test_schedule_and_trigger_follow_the_dbt_vars(defs, tmp_path):
    declared = yaml.safe_load((project_root() / "dbt_project.yml").read_text())["vars"]
    assert defs.resolve_schedule_def("hourly_build").cron_schedule == cron_every(declared["poa_build_every_minutes"])
    trigger = defs.resolve_sensor_def("scoring_trigger")
    assert trigger.minimum_interval_seconds == declared["poa_trigger_check_every_seconds"]
    assert cron_every(60) == "0 * * * *" and cron_every(15) == "*/15 * * * *" and cron_every(360) == "0 */6 * * *"
    with pytest.raises(ValueError, match="poa_build_every_minutes = 45"):
        cron_every(45)

    from warehouse.orchestration.dbt import load_manifest
    from warehouse.orchestration.definitions import build_definitions

    project = (project_root() / "dbt_project.yml").read_text()
    changed = tmp_path / "dbt_project.yml"
    changed.write_text(
        project.replace("poa_build_every_minutes: 60", "poa_build_every_minutes: 15").replace(
            "poa_trigger_check_every_seconds: 60", "poa_trigger_check_every_seconds: 20"
        )
    )
    other = build_definitions(cadence(changed), load_manifest())
    assert other.resolve_schedule_def("hourly_build").cron_schedule == "*/15 * * * *"
    assert other.resolve_sensor_def("scoring_trigger").minimum_interval_seconds == 20


def test_landing_sensor_requests_land_files_once_per_new_file(defs, warehouse, tmp_path):
    landing = tmp_path / "landing"
    first = tick(defs, "landing_sensor")
    assert not first.run_requests and "no new files" in first.skip_message

    user = scalar(warehouse, "select min(user_id) from staging.stg_community__users")
    a, b = query(warehouse, "select nft_id from staging.stg_community__nfts order by nft_id limit 2")
    votes = write_csv(landing / "votes_late.csv", VOTE_COLUMNS, [vote("late_1", a=a[0], b=b[0], user=user)])
    result = tick(defs, "landing_sensor")
    [request] = result.run_requests
    assert request.run_config["ops"]["land_new_files"]["config"]["files"] == [str(votes)]
    assert tick(defs, "landing_sensor", result.cursor).run_requests == []  # the same file: never again

    fires = write_csv(landing / "fires_late.csv", ["event_id", "user_id", "nft_id", "occurred_at"],
                      [["late_fire_1", user, a[0], "2026-03-01T12:00:00Z"]])  # fmt: skip
    again = tick(defs, "landing_sensor", result.cursor)
    [second] = again.run_requests
    assert second.run_config["ops"]["land_new_files"]["config"]["files"] == [str(fires)]
    assert second.run_key != request.run_key

    before = scalar(warehouse, "select count(*) from raw.votes")
    run = defs.resolve_job_def("land_files").execute_in_process(
        run_config=request.run_config, instance=dg.DagsterInstance.ephemeral()
    )
    assert run.success
    assert scalar(warehouse, "select count(*) from raw.votes") == before + 1
    landed = [event.asset_key.to_user_string() for event in run.get_asset_materialization_events()]
    assert landed == ["raw/votes"]


def _land_vote(warehouse, folder: Path, event_id: str, vote_type: str, nfts: tuple[str, str]) -> int:
    """Lands one vote a minute after the newest event; its event_seq."""
    newest = scalar(warehouse, "select max(occurred_at) from staging.stg_community__votes")
    at = (newest + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    user = scalar(warehouse, "select min(user_id) from staging.stg_community__users")
    path = write_csv(folder / f"votes_{event_id}.csv", VOTE_COLUMNS,
                     [vote(event_id, at=at, a=nfts[0], b=nfts[1], vote_type=vote_type, user=user)])  # fmt: skip
    assert load([path], warehouse).ok
    return scalar(warehouse, f"select event_seq from raw.votes where event_id = '{event_id}'")


def test_scoring_trigger_requests_community_scoring_once_per_triggering_events(defs, warehouse, tmp_path):
    # right after a full build every NFT is published: nothing is triggered
    assert scalar(warehouse, "select count(*) from ops.pipeline_dirty_nfts") == 0
    quiet = tick(defs, "scoring_trigger")
    assert not quiet.run_requests and quiet.skip_message == "no NFT is triggered"

    # two NFTs that two more votes take past no milestone, with at most two votes in the last 24 h (so no
    # high activity) and the widest σ (so that a vote moves them past the publication thresholds)
    near = ", ".join(str(m - k) for m in (5, 10, 25, 50, 100) for k in (1, 2))
    nfts = tuple(row[0] for row in query(warehouse, f"""
        with newest as (select max(occurred_at) as at from staging.stg_community__votes),
        recent as (
            select nft_id, count(*) as n from (
                select nft_a as nft_id, occurred_at from staging.stg_community__votes
                union all select nft_b, occurred_at from staging.stg_community__votes
            ) as v, newest where v.occurred_at > newest.at - interval 24 hours group by nft_id
        )
        select s.nft_id from marts.nft_scores s left join recent using (nft_id)
        where s.n_votes not in ({near}) and coalesce(recent.n, 0) <= 2
        order by s.rating_sigma desc, s.nft_id limit 2"""))  # fmt: skip
    assert len(nfts) == 2
    _land_vote(warehouse, tmp_path, "quiet_vote_1", "normal", nfts)
    assert scalar(warehouse, "select count(*) from ops.pipeline_dirty_nfts where not is_triggered") == 2
    assert tick(defs, "scoring_trigger").skip_message == "no NFT is triggered"

    seq = _land_vote(warehouse, tmp_path, "super_vote_1", "super", nfts)
    triggered = tick(defs, "scoring_trigger", quiet.cursor)
    [request] = triggered.run_requests
    assert request.tags["warehouse/trigger_reasons"] == "super_vote"
    assert request.tags["warehouse/triggered_nfts"] == "2"
    assert triggered.cursor == str(seq)
    repeat = tick(defs, "scoring_trigger", triggered.cursor)  # the same pending events: no second run
    assert not repeat.run_requests and "already requested" in repeat.skip_message

    published_before = dict(query(warehouse, f"select nft_id, last_event_seq from marts.nft_scores "
                                             f"where nft_id in ('{nfts[0]}', '{nfts[1]}')"))  # fmt: skip
    assert all(last < seq for last in published_before.values())
    run = defs.resolve_job_def("community_scoring").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=request.tags
    )
    assert run.success
    materialized = {event.asset_key.to_user_string() for event in run.get_asset_materialization_events()}
    assert {"marts/nft_scores", "ops/pipeline_dirty_nfts", "intermediate/int_votes_rated"} <= materialized
    assert not {key for key in materialized if "discovery" in key or "staking" in key or "clan" in key}
    built = dict(read_only(warehouse.duckdb_path, f"select nft_id, last_event_seq from marts.nft_scores "
                                                  f"where nft_id in ('{nfts[0]}', '{nfts[1]}')"))  # fmt: skip
    assert built == {nfts[0]: seq, nfts[1]: seq}
    # ... and published for analysts, after its asset checks (the expectation suites) passed
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in run.get_asset_check_evaluations()}
    assert checks[("marts/nft_scores", "marts_expectations")] is True
    assert checks[("intermediate/int_votes_rated", "intermediate_expectations")] is True
    assert all(checks.values()), checks
    assert not {key for key, _ in checks if "discovery" in key or "staking" in key}
    sql = f"select nft_id, last_event_seq from marts.nft_scores where nft_id in ('{nfts[0]}', '{nfts[1]}')"
    published = dict(read_only(marts_path(warehouse), sql, published=True))
    assert published == {nfts[0]: seq, nfts[1]: seq}
    assert read_only(warehouse.duckdb_path, "select count(*) from ops.pipeline_dirty_nfts where is_triggered") == [(0,)]


HOLDERS = {
    "a build": """
        from warehouse.locking import hold_warehouse
        with hold_warehouse(target, "build"):
            print("held", flush=True)
            sys.stdin.read()
    """,
    "an open DuckDB file": """
        import duckdb
        con = duckdb.connect(str(target.duckdb_path))
        print("held", flush=True)
        sys.stdin.read()
    """,
}


@pytest.mark.parametrize("holder", HOLDERS)
def test_a_tick_while_the_warehouse_is_busy_skips_and_says_why(defs, warehouse, tmp_path, holder):
    write_csv(tmp_path / "landing" / "votes_new.csv", VOTE_COLUMNS, [vote("busy_1")])
    code = "import sys\nfrom warehouse.settings import target_from_env\ntarget = target_from_env()\n"
    process = subprocess.Popen(
        [sys.executable, "-c", code + textwrap.dedent(HOLDERS[holder])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout.readline().strip() == "held"
        for name in ("scoring_trigger", "landing_sensor"):
            result = tick(defs, name)
            assert not result.run_requests, name
            assert "another build holds the warehouse" in result.skip_message, (name, result.skip_message)
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    # once it is free, the new file is requested
    assert len(tick(defs, "landing_sensor").run_requests) == 1


def test_a_failed_run_is_recorded_and_shown_by_warehouse_status(defs, warehouse, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    missing = tmp_path / "landing" / "votes_missing.csv"
    run = defs.resolve_job_def("land_files").execute_in_process(
        run_config={"ops": {"land_new_files": {"config": {"files": [str(missing)]}}}},
        instance=instance,
        raise_on_error=False,
    )
    assert not run.success
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_log",
        dagster_event=run.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=run.dagster_run,
    ).for_run_failure()
    defs.resolve_sensor_def("run_failure_log")(context)

    shown = CliRunner().invoke(app, ["status"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert "failed orchestrated runs" in shown.output
    assert "land_files" in shown.output and run.run_id[:8] in shown.output
    assert "no such file or folder" in shown.output


def test_orchestrate_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dagster_webserver", None)  # as if the extra were not installed
    result = CliRunner().invoke(app, ["orchestrate"])
    assert result.exit_code == 3
    assert "pip install -e '.[orchestration]'" in result.output


def test_the_instance_runs_one_warehouse_writer_at_a_time(tmp_path):
    """The Dagster home `warehouse orchestrate` prepares queues every run tagged as a writer behind the other."""
    from warehouse.orchestration.settings import prepare_dagster_home

    home = prepare_dagster_home(tmp_path / "dagster_home")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [{"key": WRITER_TAG, "limit": 1}]


def test_transient_failures_are_retried_with_backoff_and_others_are_not(defs, warehouse, tmp_path):
    from warehouse.locking import WarehouseBusy
    from warehouse.orchestration.retries import is_transient

    assert is_transient(WarehouseBusy("another build holds the warehouse (build, pid 1)"))
    assert is_transient('IO Error: Could not set lock on file "warehouse.duckdb": Conflicting lock is held')
    assert is_transient("could not connect to server: Connection refused")
    assert not is_transient("Failure in test unique_nft_scores_nft_id: Got 2 results, configured to fail if != 0")
    assert not is_transient("votes.csv: no such file or folder")

    # a load that finds the warehouse held is retried after the backoff and lands once the holder is gone
    user = scalar(warehouse, "select min(user_id) from staging.stg_community__users")
    a, b = query(warehouse, "select nft_id from staging.stg_community__nfts order by nft_id limit 2")
    votes = write_csv(tmp_path / "votes_retry.csv", VOTE_COLUMNS, [vote("retry_1", a=a[0], b=b[0], user=user)])
    holder = (
        "import time\nfrom warehouse.locking import hold_warehouse\n"
        "from warehouse.settings import target_from_env\n"
        "with hold_warehouse(target_from_env(), 'build'):\n    print('held', flush=True)\n    time.sleep(2)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "held"
        run = defs.resolve_job_def("land_files").execute_in_process(
            run_config={"ops": {"land_new_files": {"config": {"files": [str(votes)]}}}},
            instance=dg.DagsterInstance.ephemeral(),
        )
    finally:
        process.wait(timeout=30)
    assert run.success
    assert [e.event_type_value for e in run.all_events].count("STEP_UP_FOR_RETRY") == 1
    assert scalar(warehouse, "select count(*) from raw.votes where event_id = 'retry_1'") == 1
