"""The loaders' own records: `raw.ingest_logs`, `raw.rejects` and `raw.landed_files`.

One module for what every load writes about itself, used by the one-transaction load (`run.py`) and
by the staged roster phases (`roster.py`). The Arrow schemas come from the tables' contracts (the
ingestion sources YAML), so a column added there is added here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc

from warehouse.loaders.contracts import contracts

INGEST_LOGS = "ingest_logs"
REJECTS = "rejects"
LANDED_FILES = "landed_files"

_ARROW = {
    "varchar": pa.string(),
    "text": pa.string(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "double precision": pa.float64(),
    "timestamp": pa.timestamp("us"),
}


@dataclass
class FileResult:
    """What one file of a load did; rows_read = rows_written + rows_rejected + rows_duplicate."""

    source: str
    file: str
    status: str = "ok"
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    error: str | None = None


def now() -> datetime:
    """The current time as naive UTC (how raw stores timestamps)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def schema(table: str) -> pa.Schema:
    """The Arrow schema of one of the loaders' own tables, from its contract."""
    return pa.schema([(c.name, _ARROW[c.data_type]) for c in contracts()[table].columns])


def storable(text: str | None) -> str | None:
    """Text every engine can store, as close to the delivered bytes as possible.

    Undecodable bytes (kept as surrogates when a file is read) become `\\xNN`, other lone surrogates
    `\\udNNN`, and NUL becomes `\\x00`: PostgreSQL stores neither, and a reject must never fail the load.
    """
    if text is None:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape" if _only_escapes(text) else "backslashreplace").decode(
            "utf-8", "backslashreplace"
        )
    return text.replace("\x00", "\\x00")


def _only_escapes(text: str) -> bool:
    return all(not ("\ud800" <= ch <= "\udfff") or "\udc80" <= ch <= "\udcff" for ch in text)


def log_table(run_id: str, rows: Iterable[dict]) -> pa.Table:
    """`raw.ingest_logs` rows: counts default to 0, status to ok."""
    defaults = {
        "run_id": run_id,
        "rows_read": 0,
        "rows_written": 0,
        "rows_rejected": 0,
        "rows_duplicate": 0,
        "status": "ok",
        "error": None,
    }
    return pa.Table.from_pylist([{**defaults, **row} for row in rows], schema=schema(INGEST_LOGS))


def skipped_rows(files: Iterable[FileResult]) -> list[dict]:
    """The `read` log row of every file skipped as already landed."""
    return [
        {
            "source": f.source,
            "file": f.file,
            "phase": "read",
            "started_at": now(),
            "duration_ms": 0.0,
            "status": "skipped",
        }
        for f in files
        if f.status == "skipped"
    ]


def rejects_table(run_id: str, source: str, file: str, rejects: pa.Table, rejected_at: datetime) -> pa.Table:
    """`raw.rejects` rows for one file's rejects (position, reason_code, reason, raw_text).

    Arrow text is valid UTF-8 already (rejects built in Python went through `storable`), so only NUL needs
    escaping, done in Arrow: a million rejects never become Python strings."""
    n = rejects.num_rows

    def repeated(value: object, kind: pa.DataType) -> pa.Array:
        return pa.repeat(pa.scalar(value, kind), n)

    def escaped(column: str) -> pa.ChunkedArray:
        return pc.replace_substring(rejects[column].cast(pa.string()), "\x00", "\\x00")

    return pa.table(
        {
            "run_id": repeated(run_id, pa.string()),
            "source": repeated(source, pa.string()),
            "file": repeated(file, pa.string()),
            "position": rejects["position"],
            "reason_code": rejects["reason_code"],
            "reason": escaped("reason"),
            "raw_text": escaped("raw_text"),
            "rejected_at": repeated(rejected_at, pa.timestamp("us")),
        },
        schema=schema(REJECTS),
    )


def landed_files_table(batches, run_id: str, loaded_at: datetime, written: dict[str, int]) -> pa.Table:
    """`raw.landed_files` rows: the content hash of every landed file, so an identical file is skipped."""
    return pa.table(
        {
            "file_hash": [b.file_hash for b in batches],
            "source": [b.contract.table for b in batches],
            "file": [str(b.path) for b in batches],
            "run_id": [run_id] * len(batches),
            "loaded_at": pa.array([loaded_at] * len(batches), pa.timestamp("us")),
            "rows_written": pa.array([written.get(str(b.path), 0) for b in batches], pa.int64()),
        },
        schema=schema(LANDED_FILES),
    )
