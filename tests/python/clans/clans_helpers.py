"""Helpers for the clans tests: roster documents by hand, and dbt runs of the clans selection."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from warehouse.build import BuildReport
from warehouse.settings import Target

CLAN = "#CLAN1"

CLANS_SELECT = [
    "stg_clans__roster_snapshots",
    "stg_clans__roster_members",
    "stg_ingestion__ingest_logs",
    "clan_unit_level_caps",
    "path:models/intermediate/clans",
    "path:models/marts/clans",
    "clan_member_history",
    "ingestion_health",
    "ingestion_alerts",
    "payload_versions",
    "path:tests/dbt/clans",
]

# one dbt target folder per test session: no clash with other dbt runs in the shared project folder
_TARGET_PATH = Path(tempfile.mkdtemp(prefix="clans-dbt-target-"))
# the project parsed once per engine and database, then reused by every dbt invocation on it
_MANIFESTS: dict[tuple[str, str], object] = {}


def _run(target: Target, command: str, *args: str):
    """A dbt command in-process, with the project parsed once per engine and database."""
    from dbt.cli.main import dbtRunner

    from warehouse.build import _environment, dbt_args

    key = (target.name, target.pg_database if target.is_postgres else str(target.duckdb_path.stem))
    with _environment(target.dbt_env()):
        if key not in _MANIFESTS:
            if target.is_postgres:
                from warehouse.loaders.targets import ensure_database

                ensure_database(target)
            parsed = dbtRunner().invoke(["--quiet", *dbt_args("parse", target, "--target-path", str(_TARGET_PATH))])
            assert parsed.success, parsed.exception
            _MANIFESTS[key] = parsed.result
        return dbtRunner(manifest=_MANIFESTS[key]).invoke(
            ["--quiet", *dbt_args(command, target, "--target-path", str(_TARGET_PATH), *args)]
        )


def _invoke(target: Target, command: str, *args: str) -> BuildReport:
    from warehouse.build import NodeResult

    result = _run(target, command, *args)
    nodes = [
        NodeResult(r.node.name, str(r.node.resource_type), str(r.status), float(r.execution_time or 0), r.message)
        for r in getattr(result.result, "results", None) or []
        if getattr(r, "node", None) is not None
    ]
    error = None if result.success else (str(result.exception) if result.exception else "dbt reported failures")
    return BuildReport(success=bool(result.success), nodes=nodes, error=error)


def dbt(
    target: Target, command: str = "build", *extra: str, select: list[str] | None = None, tests: bool = True
) -> BuildReport:
    """dbt `command` over the clans selection (or `select`); `tests=False` leaves the data and unit tests out."""
    args: list[str] = []
    for selector in CLANS_SELECT if select is None else select:
        args += ["--select", selector]
    if not tests:
        args += ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    return _invoke(target, command, *args, *extra)


def refresh_payload_versions(target: Target) -> None:
    """What the `on-run-end` hook does: recompute ops.payload_versions after everything else."""
    report = _invoke(target, "run-operation", "refresh_payload_versions")
    assert report.success, report.error


def failures(report: BuildReport) -> str:
    return "\n".join(f"{n.name}: {n.message}" for n in report.nodes if n.status in ("error", "fail"))


def member(
    tag: str,
    *,
    role: str = "member",
    th: int = 10,
    trophies: int = 3000,
    bb: int = 2000,
    shape: str = "current",
    donations: int = 10,
    received: int = 5,
    rank: int = 1,
    name: str | None = None,
    heroes: list | None = None,
    troops: list | None = None,
) -> dict:
    """A roster member in the `current` (leagueTier, builderBaseTrophies) or `legacy` (league,
    versusTrophies) shape. The league is the same in both shapes, so a shape change alone changes no
    tracked attribute."""
    item: dict = {"tag": tag, "name": name or f"player {tag}", "role": role, "expLevel": 100, "townHallLevel": th}
    item["trophies"] = trophies
    league = {"id": 29000010, "name": "Gold League I"}
    if shape == "legacy":
        item["versusTrophies"] = bb
        item["league"] = league
    else:
        item["builderBaseTrophies"] = bb
        item["leagueTier"] = league
        item["builderBaseLeague"] = {"id": 44000010, "name": "Copper League I"}
    item.update(clanRank=rank, previousClanRank=rank, donations=donations, donationsReceived=received)
    if heroes is not None:
        item["heroes"] = heroes
    if troops is not None:
        item["troops"] = troops
    return item


def unit(name: str, level: int, max_level: int = 99, village: str = "home") -> dict:
    return {"name": name, "level": level, "maxLevel": max_level, "village": village}


def write_roster(folder: Path, fetched_at: str, members: list[dict], clan: str = CLAN) -> Path:
    """roster_<tag>_<stamp>.json with one snapshot, like the generator writes."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = fetched_at.replace("-", "").replace(":", "").replace(".000", "")
    path = folder / f"roster_{clan.lstrip('#')}_{stamp}.json"
    path.write_text(json.dumps({"clanTag": clan, "fetchedAt": fetched_at, "items": members}))
    return path


def compile_inline(target: Target, sql: str) -> str:
    """What dbt compiles `sql` (Jinja with the project's macros) to on `target`'s engine."""
    result = _run(target, "compile", "--inline", sql)
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code
