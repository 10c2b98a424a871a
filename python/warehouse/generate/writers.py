"""Landing-file writers: CSV or Parquet for tabular sources, JSON lines / JSON documents otherwise."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import polars as pl

FORMATS = ("csv", "parquet")


def write_table(df: pl.DataFrame, out: Path, source: str, fmt: str) -> tuple[str, int]:
    """Write ``df`` as ``out/<source>.<fmt>``; returns (file name, rows)."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    name = f"{source}.{fmt}"
    path = out / name
    if fmt == "csv":
        df.write_csv(path)
    else:
        df.write_parquet(path, compression="zstd", statistics=True)
    return name, df.height


def write_jsonl(docs: Iterable[dict], path: Path) -> int:
    """One compact JSON document per line; returns the number of documents."""
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for doc in docs:
            fh.write(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
            fh.write("\n")
            n += 1
    return n


def write_json(doc: object, path: Path, indent: int | None = None) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=indent, sort_keys=False) + "\n", encoding="utf-8")
