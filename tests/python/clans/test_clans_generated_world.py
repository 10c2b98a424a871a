"""A generated clan (the `small` world, then a delta batch), loaded and built batch by batch on DuckDB, agrees
with a recomputation straight from the roster JSON files: membership spells and tenure, current attributes
of both feed shapes, zero deltas, joined/left counts, trophy deltas and rush %."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from clans.clans_helpers import dbt
from warehouse_testing import failures

from warehouse.generate import generate_delta, generate_world
from warehouse.generate.clans import HEROES, TROOPS, level_cap
from warehouse.loaders.run import load

from landing import query

UNITS = {name: (max_level, unlock) for name, max_level, unlock, village in HEROES + TROOPS if village == "home"}
HERO_NAMES = {name for name, *_ in HEROES}


def _rosters(folder: Path) -> Path:
    """Only the roster files of a generated batch (the other domains are not built here)."""
    out = folder.parent / f"{folder.name}_rosters"
    out.mkdir()
    for path in folder.glob("roster_*.json"):
        shutil.copy(path, out / path.name)
    return out


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def reference(folders: list[Path]) -> dict:
    """What the marts must say, from the JSON documents alone."""
    docs = sorted(
        (json.loads(p.read_text()) for f in folders for p in f.glob("roster_*.json")), key=lambda d: d["fetchedAt"]
    )
    times = [_ts(d["fetchedAt"]) for d in docs]
    present = [{m["tag"]: m for m in d["items"]} for d in docs]
    members: dict[str, dict] = {}
    for tag in {t for p in present for t in p}:
        indexes = [i for i, p in enumerate(present) if tag in p]
        spells, start = [], indexes[0]
        for a, b in zip(indexes, indexes[1:] + [None], strict=True):
            if b != a + 1:
                spells.append((start, a))
                start = b
        first, last = spells[-1]
        current = last == len(docs) - 1
        item = present[last][tag]
        members[tag] = {
            "is_current_member": current,
            "joined_at": times[first],
            "left_at": None if current else times[last + 1],
            "tenure_days": (times[last].date() - times[first].date()).days,
            "n_spells": len(spells),
            "role": item["role"],
            "trophies": item["trophies"],
            "builder_base_trophies": item.get("builderBaseTrophies", item.get("versusTrophies")),
            "league_name": (item.get("leagueTier") or item.get("league"))["name"],
        }
    zero_delta = [i > 0 and docs[i]["items"] == docs[i - 1]["items"] for i in range(len(docs))]
    joined_left = [
        (None, None)
        if i == 0
        else (len(set(present[i]) - set(present[i - 1])), len(set(present[i - 1]) - set(present[i])))
        for i in range(len(docs))
    ]
    trophy_7d, rush = {}, {}
    for i, snapshot in enumerate(present):
        for tag, item in snapshot.items():
            earlier = [j for j in range(i + 1) if times[j] <= times[i] - timedelta(days=7) and tag in present[j]]
            trophy_7d[(tag, times[i])] = item["trophies"] - present[earlier[-1]][tag]["trophies"] if earlier else None
            if "heroes" in item or "troops" in item:
                th = item["townHallLevel"] - 1
                levels = {
                    u["name"]: u["level"]
                    for u in item.get("heroes", []) + item.get("troops", [])
                    if u.get("village", "home") == "home"
                }
                caps = {name: level_cap(m, unlock, th) for name, (m, unlock) in UNITS.items()}
                total = sum(caps.values())
                counted = sum(min(levels.get(name, 0), cap) for name, cap in caps.items())
                hero_caps = sum(c for n, c in caps.items() if n in HERO_NAMES)
                hero = sum(min(levels.get(n, 0), c) for n, c in caps.items() if n in HERO_NAMES)
                rush[(tag, times[i])] = (
                    100 - 100 * counted / total,
                    100 - 100 * hero / hero_caps if hero_caps else None,
                )
    return {
        "members": members,
        "zero_delta": zero_delta,
        "joined_left": joined_left,
        "times": times,
        "trophy_7d": trophy_7d,
        "rush": rush,
    }


def test_a_generated_clan_matches_a_recomputation_from_its_files(duckdb_target, tmp_path):
    target = duckdb_target
    generate_world("small", 11, tmp_path / "world")
    generate_delta(tmp_path / "world", tmp_path / "delta", events=20_000)
    batches = [_rosters(tmp_path / "world"), _rosters(tmp_path / "delta")]
    for index, folder in enumerate(batches):
        report = load([folder], target)
        assert report.ok and not any(f.rows_rejected for f in report.files), report.error
        built = dbt(target, tests=index == len(batches) - 1)
        assert built.success, failures(built)
    expected = reference(batches)
    assert any(m["n_spells"] > 1 for m in expected["members"].values()), "the world should hold a rejoin"
    assert any(expected["zero_delta"]), "the world should hold a zero-delta snapshot"

    columns = [
        "is_current_member",
        "joined_at",
        "left_at",
        "tenure_days",
        "n_spells",
        "role",
        "trophies",
        "builder_base_trophies",
        "league_name",
    ]
    got = {
        r[0]: dict(zip(columns, r[1:], strict=True))
        for r in query(target, f"select member_tag, {', '.join(columns)} from marts.clan_members")
    }
    assert got == expected["members"]

    snapshots = query(
        target,
        "select is_zero_delta, members_joined, members_left from intermediate.int_roster_snapshots_compared"
        " order by fetched_at",
    )
    assert [z for z, _, _ in snapshots] == expected["zero_delta"]
    assert [(j, left) for _, j, left in snapshots] == expected["joined_left"]

    deltas = {
        (t, a): v
        for t, a, v in query(
            target,
            """select member_tag, as_of, value from marts.member_metrics
                   where metric_name = 'trophy_delta' and "window" = '7d'""",
        )
    }
    assert deltas == expected["trophy_7d"]

    rush = {
        (t, a): (o, h)
        for t, a, o, h in query(
            target,
            """
        select o.member_tag, o.as_of, o.value, h.value from marts.member_metrics o
        join marts.member_metrics h on h.member_tag = o.member_tag and h.as_of = o.as_of
            and h.metric_name = 'rush_pct_hero'
        where o.metric_name = 'rush_pct_overall' and o.value is not null""",
        )
    }
    assert set(rush) == set(expected["rush"])
    for key, (overall, hero) in expected["rush"].items():
        assert rush[key][0] == pytest.approx(overall, rel=1e-12, abs=1e-12)
        assert (rush[key][1] is None) == (hero is None)
        if hero is not None:
            assert rush[key][1] == pytest.approx(hero, rel=1e-12, abs=1e-12)
