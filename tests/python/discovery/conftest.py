"""Discovery fixtures: one generated `small` world with two later batches, landed and built on DuckDB
batch by batch (a build after each), then rebuilt with --full-refresh — shared by the whole suite."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from discovery.discovery_helpers import Snapshot, build_discovery, failures, snapshot_all

from warehouse.build import BuildReport
from warehouse.generate import generate_delta, generate_world
from warehouse.loaders.run import load
from warehouse.settings import Target, target_from_env

from landing import scalar

SEED = 20260301
DELTA_EVENTS = 10_000


@dataclass
class DiscoveryRun:
    target: Target
    batches: list[Path]
    truth_search: list[dict]
    reports: list[BuildReport] = field(default_factory=list)  # one build per batch
    marks: list[int] = field(default_factory=list)  # largest raw discovery event_seq after each batch
    build_times: list[object] = field(default_factory=list)  # as_of of each batch's build
    incremental: dict[str, Snapshot] = field(default_factory=dict)  # every table after the last batch
    full_refresh: dict[str, Snapshot] = field(default_factory=dict)  # every table after --full-refresh


def newest_discovery_event_seq(target: Target) -> int:
    tables = ["upvotes", "messages", "intro_requests", "chain_posts", "post_comments"]
    union = " union all ".join(f"select max(event_seq) as s from raw.{t}" for t in tables)
    return int(scalar(target, f"select max(s) from ({union}) as marks"))


@pytest.fixture(scope="session")
def discovery_dbt_target_path(tmp_path_factory) -> str:
    """A dbt target folder of this suite's own: its partial-parse state is not overwritten by other dbt
    runs in the shared project folder (each overwrite costs a full parse)."""
    return str(tmp_path_factory.mktemp("dbt_target"))


@pytest.fixture(scope="module", autouse=True)
def _discovery_dbt_target(discovery_dbt_target_path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", discovery_dbt_target_path)
        yield


@pytest.fixture(scope="session")
def discovery_world(tmp_path_factory) -> list[Path]:
    """A `small` world and two delta batches continuing it (the landing folders, in load order)."""
    root = tmp_path_factory.mktemp("discovery_world")
    world, first, second = root / "world", root / "delta_1", root / "delta_2"
    generate_world("small", SEED, world)
    generate_delta(world, first, events=DELTA_EVENTS)
    generate_delta(first, second, events=DELTA_EVENTS)
    return [world, first, second]


@pytest.fixture(scope="session")
def discovery_run(discovery_world, discovery_dbt_target_path, tmp_path_factory) -> DiscoveryRun:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", discovery_dbt_target_path)
        return _build_in_batches(discovery_world, tmp_path_factory)


def _build_in_batches(discovery_world: list[Path], tmp_path_factory) -> DiscoveryRun:
    target = target_from_env(
        "duckdb", {"WAREHOUSE_DUCKDB_PATH": str(tmp_path_factory.mktemp("discovery_duckdb") / "warehouse.duckdb")}
    )
    run = DiscoveryRun(target, discovery_world, json.loads((discovery_world[0] / "truth" / "search.json").read_text()))
    for number, batch in enumerate(discovery_world):
        landed = load([batch], target)
        assert landed.ok, landed.error
        report = build_discovery(target, unit_tests=number == 0)
        assert report.success, failures(report) or report.error
        run.reports.append(report)
        run.marks.append(newest_discovery_event_seq(target))
        run.build_times.append(scalar(target, "select max(as_of) from marts.feed_projects"))
    run.incremental = snapshot_all(target)
    report = build_discovery(target, full_refresh=True, command="run")  # the tests ran after every batch
    assert report.success, failures(report) or report.error
    run.full_refresh = snapshot_all(target)
    return run
