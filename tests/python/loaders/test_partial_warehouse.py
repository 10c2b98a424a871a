"""The whole raw schema exists from the first load or build on, so a partly landed warehouse builds."""

from __future__ import annotations

from warehouse.build import build
from warehouse.loaders.contracts import contracts
from warehouse.loaders.run import load

from landing import VOTE_COLUMNS, query, vote, write_csv


def test_first_load_of_one_source_creates_every_raw_table_and_dbt_builds(target, tmp_path):
    load([write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote("v_1"), vote("v_2", a="x", b="x")])], target)
    tables = {
        name for (name,) in query(target, "select table_name from information_schema.tables where table_schema = 'raw'")
    }
    assert tables == set(contracts())
    report = build(target, quiet=True)
    assert report.success, report.error
    assert report.count("error", "fail") == 0 and report.count("success", "pass") > 0


def test_a_build_before_any_load_creates_the_raw_schema(target):
    report = build(target, quiet=True)
    assert report.success, report.error
    tables = {
        name for (name,) in query(target, "select table_name from information_schema.tables where table_schema = 'raw'")
    }
    assert tables == set(contracts())
