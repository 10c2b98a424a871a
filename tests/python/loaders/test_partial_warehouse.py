"""The whole raw schema exists from the first load or build on, so a partly landed warehouse builds:
a domain without data gives empty marts, not errors."""

from __future__ import annotations

import shutil

from warehouse.build import build
from warehouse.generate import generate_world
from warehouse.loaders.contracts import contracts
from warehouse.loaders.run import load

from landing import query


def _build(target):
    return build(target, quiet=True)


def _raw_tables(target) -> set[str]:
    rows = query(target, "select table_name from information_schema.tables where table_schema = 'raw'")
    return {name for (name,) in rows}


def test_one_domain_landed_creates_every_raw_table_and_everything_builds(target, tmp_path):
    world = tmp_path / "world"
    generate_world("tiny", 5, world)
    staking_only = tmp_path / "staking"
    staking_only.mkdir()
    shutil.copy(world / "epochs.jsonl", staking_only / "epochs.jsonl")
    load([staking_only], target)
    assert _raw_tables(target) == set(contracts())
    report = _build(target)
    assert report.success, [(n.name, n.message) for n in report.nodes if n.status in ("error", "fail")]
    assert query(target, "select count(*) from marts.operators")[0][0] > 0
    assert query(target, "select count(*) from marts.nft_stats") == [(0,)]
    assert query(target, "select count(*) from marts.feed_projects") == [(0,)]
    assert query(target, "select count(*) from marts.clan_members") == [(0,)]


def test_a_build_before_any_load_creates_the_raw_schema(target):
    report = _build(target)
    assert report.success, [(n.name, n.message) for n in report.nodes if n.status in ("error", "fail")]
    assert _raw_tables(target) == set(contracts())
