"""How a PostgreSQL build is cut into phases around the Python models, and that it runs exactly the nodes dbt
selects; a plain `dbt build` on PostgreSQL refuses the Python models before anything runs."""

from __future__ import annotations

import time

import pytest

from warehouse.build import run_dbt
from warehouse.python_steps import runner
from warehouse.python_steps.build import _invoker, parse

from landing import scalar

#: a -> P -> b -> Q -> c, P's test t_p, and an unrelated node u
GRAPH = {"a": [], "P": ["a"], "t_p": ["P"], "b": ["P"], "Q": ["b"], "c": ["Q", "a"], "u": []}


def test_phases_alternate_dbt_and_python_in_dependency_order():
    phases = runner.plan(GRAPH, GRAPH, python={"P", "Q"})
    assert [(phase.kind, phase.nodes) for phase in phases] == [
        ("dbt", ["a"]),
        ("python", ["P"]),
        ("dbt", ["b", "t_p"]),
        ("python", ["Q"]),
        ("dbt", ["c", "u"]),  # unrelated to the Python models: last, as anything reading every mart must be
    ]


def test_phases_follow_the_selection_only():
    phases = runner.plan(["b", "Q", "c"], GRAPH, python={"P", "Q"})
    assert [(phase.kind, phase.nodes) for phase in phases] == [("dbt", ["b"]), ("python", ["Q"]), ("dbt", ["c"])]
    assert [phase.nodes for phase in runner.plan(["a", "u"], GRAPH, python={"P", "Q"})] == [["a", "u"]]


def test_a_failure_blocks_only_what_is_downstream():
    blocked = runner.blocked_by({"P"}, GRAPH)
    assert [node for node in GRAPH if blocked(node)] == ["t_p", "b", "Q", "c"]
    assert not blocked("a") and not blocked("u") and not blocked("P")


@pytest.mark.postgres
def test_plain_dbt_build_on_postgres_stops_before_any_node_and_names_warehouse_build(postgres_target):
    started = time.perf_counter()
    report = run_dbt("build", postgres_target, "--select", "+int_votes_rated", quiet=True)
    assert not report.success
    assert report.nodes == []
    assert "warehouse build --target postgres" in report.error and "int_votes_rated" in report.error
    assert time.perf_counter() - started < 120
    built = "select count(*) from information_schema.tables where table_schema in ('raw', 'staging', 'intermediate')"
    assert scalar(postgres_target, built) == 0


@pytest.mark.postgres
def test_each_phase_runs_exactly_its_share_of_the_nodes_dbt_selects(postgres_target):
    """The phases of a selection partition dbt's own selection, and the selectors each dbt phase is given pick
    exactly that phase's nodes (dbt itself resolves them)."""
    manifest = parse(postgres_target, [])
    invoke = _invoker(postgres_target, manifest)
    selection = ["--select", "+int_votes_rated+", "int_sliders_calibrated", "--exclude", "nft_leaderboard"]
    selected = runner.selected_nodes(invoke, selection)
    phases = runner.plan(selected, runner.parents_of(manifest), runner.python_models(manifest))
    assert [phase.kind for phase in phases] == ["dbt", "python", "dbt"]
    assert phases[1].nodes == ["model.warehouse.int_sliders_calibrated", "model.warehouse.int_votes_rated"]
    assert sorted(node for phase in phases for node in phase.nodes) == sorted(selected)
    assert "model.warehouse.nft_leaderboard" not in selected and "model.warehouse.nft_scores" in selected
    assert "test.warehouse.unique_int_votes_rated_event_seq.60b81bdd3f" in phases[2].nodes
    for phase in (phases[0], phases[2]):
        selectors = [arg for selector in runner.fqn_selectors(manifest, phase.nodes) for arg in ("--select", selector)]
        assert sorted(runner.selected_nodes(invoke, ["--indirect-selection", "empty", *selectors])) == phase.nodes
    # the Python model's relation is the manifest's, as dbt's docs and the next phase's tests see it
    assert manifest.nodes["model.warehouse.int_votes_rated"].relation_name == (
        f'"{postgres_target.pg_database}"."intermediate"."int_votes_rated"'
    )
