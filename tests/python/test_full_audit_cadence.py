"""Between two full audits a whole `warehouse build` runs only the data tests scoped to the new rows
(selectors.yml `scheduled_build`) and the expectation suites of the published layer; the full audit — every
data and unit test on every row, every suite — runs on `--full-audit` and `--full-refresh`, and by itself when
none passed yet, when the project changed since the last one, and when that one is older than
WAREHOUSE_FULL_AUDIT_EVERY_HOURS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import warehouse.build as build_module
from warehouse.build import (
    SCHEDULED_BUILD_KEEPING_VIEWS_SELECTOR,
    SCHEDULED_BUILD_SELECTOR,
    BuildReport,
    build,
    scheduled_build_selector,
)
from warehouse.loaders.run import load
from warehouse.python_steps.build import parse

from landing import VOTE_COLUMNS, vote, write_csv


@pytest.fixture
def dbt_runs(duckdb_target, tmp_path, monkeypatch):
    """A warehouse with one vote landed, and dbt replaced by a recorder of what each build asked it to run."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.delenv("WAREHOUSE_FULL_AUDIT_EVERY_HOURS", raising=False)
    runs: list[dict] = []
    outcome = {"success": True}

    def dbt_build(target, full_refresh, select, quiet, exclude, full_audit, *_):
        runs.append({"full_audit": full_audit, "select": select})
        return BuildReport(success=outcome["success"])

    monkeypatch.setattr(build_module, "_dbt_build", dbt_build)
    load([write_csv(tmp_path / "one" / "votes.csv", VOTE_COLUMNS, [vote("v1")])], duckdb_target)
    return runs, outcome


def _whole_build(target) -> BuildReport:
    return build(target, force=True)  # force: the same warehouse again, built all the same


def test_the_full_audit_runs_first_then_when_the_project_changes_or_it_grows_old(duckdb_target, dbt_runs, monkeypatch):
    runs, _ = dbt_runs
    first = _whole_build(duckdb_target)
    assert first.full_audit and first.full_audit_reason == "no full audit on record"
    assert not _whole_build(duckdb_target).full_audit  # a scheduled build: the scoped tests only
    assert [run["full_audit"] for run in runs] == [True, False]

    monkeypatch.setattr(build_module, "project_fingerprint", lambda: "a changed model")
    changed = _whole_build(duckdb_target)
    assert changed.full_audit and changed.full_audit_reason == "the project changed since the last full audit"
    assert not _whole_build(duckdb_target).full_audit

    now = build_module._now()
    monkeypatch.setattr(build_module, "_now", lambda: now + timedelta(hours=23, minutes=59))
    assert not _whole_build(duckdb_target).full_audit
    monkeypatch.setattr(build_module, "_now", lambda: now + timedelta(hours=24))
    aged = _whole_build(duckdb_target)
    assert aged.full_audit and aged.full_audit_reason.startswith("the last full audit is 24.0 h old")
    assert not _whole_build(duckdb_target).full_audit  # the clock restarts at that audit

    monkeypatch.setenv("WAREHOUSE_FULL_AUDIT_EVERY_HOURS", "0")
    assert _whole_build(duckdb_target).full_audit  # every build a full audit


def test_asked_for_or_refreshed_the_build_is_a_full_audit_and_a_selection_runs_all_its_tests(duckdb_target, dbt_runs):
    runs, _ = dbt_runs
    _whole_build(duckdb_target)
    assert build(duckdb_target, full_audit=True).full_audit
    assert build(duckdb_target, full_refresh=True).full_audit
    selection = build(duckdb_target, select=["stg_community__votes"])
    assert selection.full_audit is None and runs[-1] == {"full_audit": False, "select": ["stg_community__votes"]}


def test_between_full_audits_the_audit_runs_the_suites_of_the_published_layer(duckdb_target, dbt_runs, monkeypatch):
    audits = []
    monkeypatch.setattr(
        build_module,
        "audit_and_publish",
        lambda target, report, scope, layers, scheduled, worker: audits.append((scope, layers, scheduled, worker)),
    )
    build(duckdb_target, force=True, audit=True)
    build(duckdb_target, force=True, audit=True)
    build(duckdb_target, full_audit=True, audit=True)
    build(duckdb_target, select=["stg_community__votes"], audit=True)
    assert [layers for _, layers, *_ in audits] == [None, ["marts"], None, None]
    assert [scheduled for *_, scheduled, _ in audits] == [False, True, False, False]  # no full_audit_only assets
    assert [scope is None for scope, *_ in audits] == [True, True, True, False]
    # the scheduled audit validates in a process started beside dbt (warehouse.quality.worker)
    assert [worker is not None for *_, worker in audits] == [False, True, False, False]


def test_a_failed_full_audit_is_not_on_record(duckdb_target, dbt_runs):
    runs, outcome = dbt_runs
    outcome["success"] = False
    assert _whole_build(duckdb_target).full_audit
    outcome["success"] = True
    assert _whole_build(duckdb_target).full_audit  # still due: the last one failed
    assert not _whole_build(duckdb_target).full_audit


def test_an_unreadable_interval_is_a_one_line_error(duckdb_target, dbt_runs, monkeypatch):
    _whole_build(duckdb_target)
    monkeypatch.setenv("WAREHOUSE_FULL_AUDIT_EVERY_HOURS", "daily")
    with pytest.raises(ValueError, match="WAREHOUSE_FULL_AUDIT_EVERY_HOURS='daily' is not a number of hours"):
        _whole_build(duckdb_target)


def test_status_says_when_the_last_full_audit_passed_and_when_the_next_is_due(duckdb_target, dbt_runs, tmp_path):
    from test_cli_errors import assert_clear, cli

    env = {**duckdb_target.dbt_env(), "DBT_TARGET_PATH": str(tmp_path / "dbt_target")}
    assert "no full audit on record" in " ".join(cli("status", env=env).stdout.split())
    _whole_build(duckdb_target)
    passed = build_module.last_full_audit(duckdb_target)
    shown = " ".join(cli("status", env={**env, "WAREHOUSE_FULL_AUDIT_EVERY_HOURS": "6"}).stdout.split())
    assert f"last full audit passed at {passed:%Y-%m-%d %H:%M:%S} UTC" in shown
    assert f"runs the next one from {passed + timedelta(hours=6):%Y-%m-%d %H:%M:%S} UTC on" in shown
    unreadable = cli("status", env={**env, "WAREHOUSE_FULL_AUDIT_EVERY_HOURS": "daily"})
    assert_clear(unreadable, 0)
    assert "WAREHOUSE_FULL_AUDIT_EVERY_HOURS='daily' is not a number of hours" in " ".join(unreadable.stdout.split())


def _listed(target, *selection: str) -> set[str]:
    from dbt.cli.main import dbtRunner

    from warehouse.build import _environment, dbt_args

    with _environment(target.dbt_env()):
        result = dbtRunner().invoke(["--quiet", *dbt_args("ls", target, "--output", "json", *selection)])
    assert result.success, result.exception
    return {json.loads(line)["unique_id"] for line in result.result}


def test_the_scheduled_selector_runs_every_model_and_exactly_the_tests_scoped_to_new_rows(duckdb_target):
    """selectors.yml names the scope column; this holds it to dbt_project.yml's `meta.test_scope_column`. The
    seeds wait for the full audit; on DuckDB the views do too, but not their tests."""
    manifest = parse(duckdb_target, [])
    scoped_models = {uid for uid, node in manifest.nodes.items() if (node.config.meta or {}).get("test_scope_column")}
    scoped_tests = {
        uid
        for uid, node in manifest.nodes.items()
        if node.resource_type == "test" and getattr(node, "attached_node", None) in scoped_models
    }
    # but the relationship tests into a dimension with inferred members: new data cannot fail them
    dimensions = {uid for uid, node in manifest.nodes.items() if (node.config.meta or {}).get("inferred_members")}
    assert dimensions == {
        uid for uid, node in manifest.nodes.items() if "inferred_members(" in getattr(node, "raw_code", "")
    }, "a model that builds inferred members (macros/inferred_members.sql) sets meta.inferred_members"
    by_construction = {
        uid
        for uid in scoped_tests
        if manifest.nodes[uid].test_metadata.name == "relationships"
        and dimensions & set(manifest.nodes[uid].depends_on.nodes)
    }
    buildable = {uid for uid, node in manifest.nodes.items() if node.resource_type in ("model", "snapshot")}
    views = {uid for uid in buildable if manifest.nodes[uid].config.materialized == "view"}
    assert scoped_models and scoped_tests and by_construction and manifest.unit_tests
    listed = _listed(duckdb_target, "--selector", SCHEDULED_BUILD_SELECTOR)
    assert listed == buildable | (scoped_tests - by_construction)
    assert views & scoped_models, "some scoped tests are on views"
    assert scheduled_build_selector(duckdb_target) == SCHEDULED_BUILD_KEEPING_VIEWS_SELECTOR
    on_duckdb = _listed(duckdb_target, "--selector", SCHEDULED_BUILD_KEEPING_VIEWS_SELECTOR)
    assert on_duckdb == listed - views
