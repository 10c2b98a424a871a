"""What reading and validating one landing file produces, ready for the write phase."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from warehouse.loaders.contracts import Contract

#: A file's rejects before they are written: where, which kind (`reasons.REASONS`), why in detail, the text.
REJECT_SCHEMA = pa.schema(
    [("position", pa.string()), ("reason_code", pa.string()), ("reason", pa.string()), ("raw_text", pa.string())]
)


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
    rows_read = rows landed + rows_rejected + rows already landed (duplicates); `duplicates_in_file`
    counts rows repeated identically within the file (dropped from `valid`, counted as duplicates).
    """

    contract: Contract
    path: Path
    file_hash: str
    rows_read: int
    valid: pa.Table
    rejects: pa.Table
    timings: list[PhaseTiming] = field(default_factory=list)
    duplicates_in_file: int = 0

    @property
    def rows_rejected(self) -> int:
        return self.rejects.num_rows


class Rejected(ValueError):
    """A row (or document, or part of one) that cannot land: its reason code and the detailed reason."""

    def __init__(self, code: str, reason: str):
        self.code = code
        super().__init__(reason)


def rejects_table(rows: list[tuple[str, str, str, str]]) -> pa.Table:
    """(position, reason_code, reason, raw_text) rows as a table."""
    from warehouse.loaders.ledger import storable

    rows = [(position, code, storable(reason), storable(text)) for position, code, reason, text in rows]
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    return pa.table(dict(zip(REJECT_SCHEMA.names, map(list, columns), strict=True)), schema=REJECT_SCHEMA)
