"""What reading and validating one landing file produces, ready for the write phase."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from warehouse.loaders.contracts import Contract

REJECT_SCHEMA = pa.schema([("position", pa.string()), ("reason", pa.string()), ("raw_text", pa.string())])


class UnusableFile(Exception):
    """A file that cannot be landed at all (unreadable, wrong columns, not JSON)."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass
class PhaseTiming:
    phase: str
    started_at: object
    duration_ms: float


@dataclass
class Batch:
    """Valid rows (typed landing columns + source_file, source_position, row_hash, _weight) and rejects.

    `_weight` is how many counted rows a landed row stands for: 1, except for roster snapshots, which
    count their members. Every rejects row is one counted row, so
    rows_read = rows landed + rows_rejected + rows already landed (duplicates).
    """

    contract: Contract
    path: Path
    file_hash: str
    rows_read: int
    valid: pa.Table
    rejects: pa.Table
    timings: list[PhaseTiming] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rejects.num_rows


def rejects_table(rows: list[tuple[str, str, str]]) -> pa.Table:
    positions, reasons, texts = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table(
        {"position": list(positions), "reason": list(reasons), "raw_text": list(texts)}, schema=REJECT_SCHEMA
    )
