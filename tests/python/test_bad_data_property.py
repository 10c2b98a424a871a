"""Property: a random mix of good rows and rows of every bad kind, loaded in random batches, gives the same
marts as loading only the good rows in the same batches — plus the quarantine records — on both engines.

The good rows are a slice of a generated tiny world (a few hundred events) plus facts naming an NFT, a
user and a project that never land (inferred members in both warehouses). The bad rows: malformed CSV
lines, latin-1 bytes, NUL bytes, timestamps in 2099 or `infinity`, conflicting duplicates of earlier
events, and a share price of 2^128-1 (the good-only twin carries the same epoch without that entry, which
is what quarantine makes of it: the operator's last good price is carried).
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from pathlib import Path

import pytest
from warehouse_testing import DATA_ONLY

from warehouse.build import build
from warehouse.generate import generate_world
from warehouse.loaders.run import load

from landing import query

pytestmark = pytest.mark.slow

SOURCES = ("nfts", "users", "projects", "chains", "votes", "sliders", "fires", "upvotes")
EVENTS = {"votes": 240, "sliders": 80, "fires": 40, "upvotes": 120}
MARTS = {
    "marts.nft_stats": "nft_id",
    "marts.user_calibration": "user_id",
    "marts.feed_projects": "project_id",
    "marts.operator_share_prices": "domain_id, epoch, operator_id",
    "marts.epoch_analytics": "domain_id, epoch",
}
#: build-time columns and landing metadata differ between any two warehouses
VOLATILE = ("loaded_at", "published_at", "built_at", "refreshed_at", "generated_at", "run_id", "as_of")
U128_MAX = 2**128 - 1


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _line(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue()


def _bad_rows(source: str, header: list[str], good: list[list[str]], rng: random.Random):
    """Rows of every bad kind that fits the source, as raw lines: (anywhere in the file, after the good rows)."""
    sample = list(rng.choice(good))
    at = header.index("occurred_at") if "occurred_at" in header else None
    bad = [(_line(sample) + ",extra").encode(), _line(sample[:-2]).encode()]  # wrong field counts
    latin = list(sample)
    latin[0] = latin[0] + "_latin"
    bad.append(_line(latin).replace("_latin", "_caf\xe9").encode("latin-1"))
    nul = list(sample)
    nul[0], nul[1] = nul[0] + "_nul", nul[1] + "\x00"
    bad.append(_line(nul).encode())
    if at is not None:
        for stamp in ("2099-12-31T00:00:00Z", "infinity"):
            late = list(sample)
            late[0], late[at] = f"{late[0]}_{stamp[:4]}", stamp
            bad.append(_line(late).encode())
        conflict = list(rng.choice(good))
        conflict[at] = conflict[at][:10] + "T23:59:59Z"  # same id, other content: after its original
        return bad, [_line(conflict).encode()]
    return bad, []


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """Per batch: (mixed folder, good-only folder), for a few random batches."""
    rng = random.Random(20261202)
    world = tmp_path_factory.mktemp("world")
    generate_world("tiny", 9, world)
    root = tmp_path_factory.mktemp("batches")
    n_batches = 3
    batches = [(root / f"mixed_{i}", root / f"good_{i}") for i in range(n_batches)]
    for mixed, good in batches:
        mixed.mkdir()
        good.mkdir()
    for source in SOURCES:
        header, rows = _rows(world / f"{source}.csv")
        if source in EVENTS:
            rows = rows[: EVENTS[source]]
        if source == "votes":
            rows.append(["v_never", rows[0][1], "nft_never", rows[0][3], "nft_never", "normal", rows[0][6]])
            rows.append(["v_nobody", "u_never", rows[0][2], rows[0][3], rows[0][2], "normal", rows[0][6]])
        if source == "upvotes":
            rows.append(["up_never", rows[0][1], "p_never", "up", rows[0][4]])
        split = [rng.randrange(n_batches) for _ in rows]
        for index, (mixed, good) in enumerate(batches):
            mine = [row for row, b in zip(rows, split, strict=True) if b == index]
            if not mine:
                continue
            good_lines = [_line(r).encode() for r in mine]
            bad_lines, trailing = (
                _bad_rows(source, header, mine, rng) if source in EVENTS or source == "projects" else ([], [])
            )
            mixed_lines = good_lines + bad_lines
            rng.shuffle(mixed_lines)
            mixed_lines += trailing
            (mixed / f"{source}.csv").write_bytes(b"\n".join([_line(header).encode(), *mixed_lines]) + b"\n")
            (good / f"{source}.csv").write_bytes(b"\n".join([_line(header).encode(), *good_lines]) + b"\n")
    documents = [json.loads(line) for line in (world / "epochs.jsonl").read_text().splitlines()[:12]]
    split = [rng.randrange(n_batches) for _ in documents]
    for index, (mixed, good) in enumerate(batches):
        mine = [d for d, b in zip(documents, split, strict=True) if b == index]
        if not mine:
            continue
        priced = [i for i, d in enumerate(mine) if d["data"]["operatorEpochSharePrice"]["entries"]]
        mixed_docs, good_docs = list(mine), list(mine)
        if priced:
            chosen = priced[-1]
            prices = mine[chosen]["data"]["operatorEpochSharePrice"]["entries"]
            quarantined, twin = json.loads(json.dumps(mine[chosen])), json.loads(json.dumps(mine[chosen]))
            quarantined["data"]["operatorEpochSharePrice"]["entries"] = [
                {**prices[0], "value": str(U128_MAX)},
                *prices[1:],
            ]
            twin["data"]["operatorEpochSharePrice"]["entries"] = prices[1:]
            mixed_docs[chosen], good_docs[chosen] = quarantined, twin
        (mixed / "epochs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in mixed_docs))
        (good / "epochs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in good_docs))
    return batches


def _mart_rows(target, relation: str, key: str) -> tuple[list[str], list[tuple]]:
    columns = [
        name
        for (name,) in query(
            target,
            "select column_name from information_schema.columns where table_schema = '"
            + relation.split(".")[0]
            + f"' and table_name = '{relation.split('.')[1]}' order by ordinal_position",
        )
        if not any(v in name for v in VOLATILE)
    ]
    rows = query(target, f"select {', '.join(columns)} from {relation} order by {key}")
    return columns, [tuple(str(v) if isinstance(v, int) and abs(v) > 2**53 else v for v in row) for row in rows]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    return a == b


def test_a_random_mix_with_bad_rows_gives_the_marts_of_the_good_rows_alone(target, twins, tmp_path):
    from warehouse.settings import target_from_env

    if target.is_postgres:
        good_target = target_from_env("postgres", {"PGDATABASE": target.pg_database + "_good"})
    else:
        good_target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "good.duckdb")})
    try:
        for mixed, good in twins:
            assert load([mixed], target).ok and load([good], good_target).ok
        # the good-only twin is the reference: its data is compared, its tests would prove nothing here
        for warehouse, excluded in ((target, None), (good_target, DATA_ONLY)):
            report = build(warehouse, quiet=True, exclude=excluded)
            failed = [(n.name, n.message) for n in report.nodes if n.status in ("error", "fail")]
            assert report.success and not failed, failed
        assert query(good_target, "select count(*) from raw.rejects") == [(0,)]
        kinds = {code for (code,) in query(target, "select distinct reason_code from raw.rejects")}
        assert kinds == {"malformed_row", "invalid_utf8", "nul_byte", "timestamp_out_of_range", "conflicting_duplicate"}
        for relation, key in MARTS.items():
            columns, mixed_rows = _mart_rows(target, relation, key)
            _, good_rows = _mart_rows(good_target, relation, key)
            assert len(mixed_rows) == len(good_rows) > 0, relation
            for mine, theirs in zip(mixed_rows, good_rows, strict=True):
                assert all(_same(a, b) for a, b in zip(mine, theirs, strict=True)), (relation, columns, mine, theirs)
        inferred = "select count(*) from staging.{} where is_inferred"
        for name in ("stg_community__nfts", "stg_community__users", "stg_discovery__projects"):
            assert query(target, inferred.format(name)) == query(good_target, inferred.format(name)) == [(1,)], name
        quarantined = query(target, "select source, rule from ops.quarantined_rows")
        assert quarantined and set(quarantined) == {("epochs", "share_price_within_0_and_1e18")}
        assert query(good_target, "select count(*) from ops.quarantined_rows") == [(0,)]
        unbalanced = "select file from raw.ingest_logs group by run_id, file having sum(rows_read) <> sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate)"  # noqa: E501
        assert query(target, unbalanced) == []
    finally:
        if good_target.is_postgres:
            import psycopg2

            admin = psycopg2.connect(good_target.pg_dsn("postgres"))
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f'drop database if exists "{good_target.pg_database}" with (force)')
            admin.close()
