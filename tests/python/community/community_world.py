"""Helpers for the community build tests: generated worlds cut into landing batches, dbt runs of the
domain's models, and row-by-row table comparison."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

from warehouse_testing import dbt

from warehouse.build import BuildReport
from warehouse.loaders.targets import open_warehouse
from warehouse.settings import Target

from landing import query

COMMUNITY_FILES = ("nfts", "users", "votes", "sliders", "fires")
EVENT_FILES = ("votes", "sliders", "fires")

#: The domain's dbt nodes: its models, seeds, singular tests, and the tests on its raw sources.
COMMUNITY = [
    "path:models/staging/community",
    "path:models/intermediate/community",
    "path:models/marts/community",
    "path:models/marts/ops/pipeline_dirty_nfts.sql",
    "path:models/marts/ops/pipeline_pending_nfts.sql",
    "path:seeds/community",
    "path:tests/dbt/community",
    "source:community",
]
#: The Python steps; everything downstream of them needs a DuckDB-run Python model.
PYTHON_STEPS = ["int_votes_rated", "int_sliders_calibrated"]


def community_files(world: Path, out: Path) -> Path:
    """A landing folder with only the community domain's files of a generated world."""
    out.mkdir(parents=True, exist_ok=True)
    for name in COMMUNITY_FILES:
        shutil.copy(world / f"{name}.csv", out / f"{name}.csv")
    return out


def split_into_batches(world: Path, out: Path, parts: int) -> list[Path]:
    """Cuts a world's event files into `parts` landing folders by arrival (file) order; the dimensions land
    with the first. A late event stays in the batch it arrived with, so a batch may hold events that
    occurred before the previous batch's newest one."""
    folders = [out / f"batch_{k + 1}" for k in range(parts)]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    for name in ("nfts", "users"):
        shutil.copy(world / f"{name}.csv", folders[0] / f"{name}.csv")
    for name in EVENT_FILES:
        with (world / f"{name}.csv").open(newline="") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        size = math.ceil(len(body) / parts)
        for k, folder in enumerate(folders):
            with (folder / f"{name}.csv").open("w", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(body[k * size : (k + 1) * size])
    return folders


def build_community(target: Target, *args: str) -> BuildReport:
    """dbt build of the domain. Cautious indirect selection: a test of another domain that merely refers to
    a community model (discovery's relationships to stg_community__users) is not the domain's to run."""
    selection = [arg for selector in COMMUNITY for arg in ("--select", selector)]
    return dbt(target, "build", *selection, *args, cautious=True, check=True)


def execute(target: Target, sql: str) -> None:
    warehouse = open_warehouse(target)
    try:
        warehouse.execute(sql)
    finally:
        warehouse.close()


def table_rows(target: Target, relation: str, key: str) -> tuple[list[str], list[tuple]]:
    columns = [
        name
        for (name,) in query(
            target,
            "select column_name from information_schema.columns "
            f"where table_schema = '{relation.split('.')[0]}' and table_name = '{relation.split('.')[1]}' "
            "order by ordinal_position",
        )
    ]
    return columns, query(target, f"select {', '.join(columns)} from {relation} order by {key}")


def assert_same_rows(name: str, left: tuple[list[str], list[tuple]], right: tuple[list[str], list[tuple]]) -> None:
    """Identical rows; floats equal within 1e-9 relative (1e-12 absolute near zero, e.g. a z-score of 1e-14)."""
    (columns, rows), (other_columns, other_rows) = left, right
    assert columns == other_columns, f"{name}: columns differ"
    assert len(rows) == len(other_rows), f"{name}: {len(rows)} rows vs {len(other_rows)}"
    assert rows, f"{name}: no rows to compare"
    for row, other in zip(rows, other_rows, strict=True):
        for column, a, b in zip(columns, row, other, strict=True):
            if isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{name}.{column}: {a!r} vs {b!r} in {row}"
            else:
                assert a == b, f"{name}.{column}: {a!r} vs {b!r} in {row}"
