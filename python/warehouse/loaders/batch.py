"""What reading and validating one landing file produces, ready for the write phase."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.loaders.contracts import Contract

#: Rows per Arrow batch when staged rows stream out of the work database (to the warehouse, or back to Python).
STREAM_ROWS = 262_144
#: The same for rows carrying a whole document (`payload`, tens of kilobytes each).
DOCUMENT_STREAM_ROWS = 1_024

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


def write_arrow(con: duckdb.DuckDBPyConnection, name: str, rows: pa.Table, insert: bool = False) -> None:
    """Arrow rows into DuckDB table `name`: created from them, or (`insert`) appended to it."""
    con.register("arrow_rows", rows)
    try:
        con.execute(
            f"insert into {name} select * from arrow_rows"
            if insert
            else f"create table {name} as select * from arrow_rows"
        )
    finally:
        con.unregister("arrow_rows")


@dataclass
class StagedRows:
    """Rows held in a table of the load's work database (`tabular.work_connection`), not in Python: past the
    database's memory limit they spill to disk, so a load's memory does not grow with its input. Their order is
    the table's insertion order."""

    work: duckdb.DuckDBPyConnection
    name: str
    num_rows: int
    #: rows per Arrow batch when they stream out (fewer for wide rows, so a batch stays tens of megabytes)
    batch_rows: int = STREAM_ROWS

    @classmethod
    def empty(cls, work: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema) -> StagedRows:
        """A new table of these columns; rows with a `payload` column stream DOCUMENT_STREAM_ROWS at a time."""
        work.execute(f"drop table if exists {name}")
        write_arrow(work, name, schema.empty_table())
        return cls(work, name, 0, DOCUMENT_STREAM_ROWS if "payload" in schema.names else STREAM_ROWS)

    def append(self, rows: pa.Table) -> None:
        if not rows.num_rows:
            return
        write_arrow(self.work, self.name, rows, insert=True)
        self.num_rows += rows.num_rows

    def stream(self, select: str = "*", where: str = "true") -> pa.RecordBatchReader:
        """`select` over the rows, in their order (a scan keeps insertion order), as Arrow batches of `batch_rows`
        rows."""
        return self.work.execute(f"select {select} from {self.name} where {where}").to_arrow_reader(self.batch_rows)

    def arrow(self, select: str = "*", where: str = "true") -> pa.Table:
        return self.stream(select, where).read_all()


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
    valid: StagedRows
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
