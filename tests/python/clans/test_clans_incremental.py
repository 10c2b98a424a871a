"""The clans models built snapshot batch by snapshot batch equal a full refresh, on DuckDB and PostgreSQL —
including after a snapshot fetched earlier lands later (every later snapshot of the clan moves one position)
and with a partial snapshot (a member the loader rejected is still listed)."""

from __future__ import annotations

import pytest
from clans.clans_helpers import dbt, member, write_roster
from warehouse_testing import failures

from warehouse.loaders.run import load

from landing import query

DAYS = {day: f"2026-04-{day:02d}T12:00:00.000Z" for day in range(1, 7)}
#: what each build compares, with the columns that say when it was built left out
TABLES = {
    "intermediate.int_snapshot_members_listed": "clan_tag, fetched_at, member_tag",
    "intermediate.int_snapshot_members_resolved": "clan_tag, fetched_at, member_tag",
    "intermediate.int_member_spells_grouped": "clan_tag, member_tag, spell_number",
    "marts.member_metrics": None,
}


def _roster(day: int) -> list[dict]:
    tags = "ABCDE" if day % 2 else "ABCF"  # C stays, D and E leave and come back, F comes and goes
    members = [member(f"#{tag}", trophies=3000 + 10 * day + i) for i, tag in enumerate(tags)]
    if day == 5:
        members.append({**member("#G"), "role": "elder"})  # rejected: the snapshot is partial
    return members


def _rows(target, relation: str, order: str | None) -> list[tuple]:
    columns = [
        f'"{name}"'
        for (name,) in query(
            target,
            "select column_name from information_schema.columns where table_schema || '.' || table_name = "
            f"'{relation}' and column_name not in ('as_of', 'built_at') order by ordinal_position",
        )
    ]
    return query(target, f"select {', '.join(columns)} from {relation} order by {order or ', '.join(columns)}")


@pytest.fixture(scope="module")
def built(module_target, tmp_path_factory):
    target, folder = module_target, tmp_path_factory.mktemp("rosters")
    for batch, days in enumerate([(1, 2), (3, 5), (4,), (6,)]):  # day 4 lands after day 5
        paths = [write_roster(folder / f"batch{batch}", DAYS[day], _roster(day)) for day in days]
        assert load(paths, target).ok
        report = dbt(target)
        assert report.success, failures(report)
    incremental = {relation: _rows(target, relation, order) for relation, order in TABLES.items()}
    report = dbt(target, "build", "--full-refresh")
    assert report.success, failures(report)
    return target, incremental, {relation: _rows(target, relation, order) for relation, order in TABLES.items()}


def test_the_late_snapshot_moves_the_later_ones_and_the_partial_one_lists_its_rejected_member(built):
    target, incremental, _ = built
    positions = query(
        target,
        "select distinct cast(fetched_at as date), snapshot_index from intermediate.int_snapshot_members_listed "
        "order by 2",
    )
    assert [index for _, index in positions] == [1, 2, 3, 4, 5, 6]
    assert [day.day for day, _ in positions] == [1, 2, 3, 4, 5, 6]
    rejected = [row for row in incremental["intermediate.int_snapshot_members_listed"] if row[4]]
    assert [(row[3], row[2]) for row in rejected] == [("#G", 5)]


@pytest.mark.parametrize("relation", list(TABLES))
def test_batch_by_batch_equals_a_full_refresh(built, relation):
    _, incremental, refreshed = built
    assert incremental[relation] and incremental[relation] == refreshed[relation]
