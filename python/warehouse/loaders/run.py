"""One `warehouse load`: read every file, validate, then write everything in one transaction.

Phases per file — read, validate, write — are logged in `raw.ingest_logs` (`ledger.py`). A load is
atomic: the write phase of all files is one transaction (rows, rejects, logs and landed-file hashes
together), so a load that fails or is killed leaves raw exactly as it was, and running it again
completes it. A file that is unusable as a whole lands nothing and is logged as failed; the other
files of the load land, and the load reports the error.

Roster snapshots land through the staged phases of `roster.py` instead (clans.md): each phase commits
on its own, is retried, and a failure leaves the earlier phases' data in place.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Event

from warehouse.loaders import documents, roster, tabular
from warehouse.loaders.batch import Batch, PhaseTiming, StagedRows, UnusableFile, rejects_table
from warehouse.loaders.conflicts import reject_conflicts
from warehouse.loaders.contracts import Contract, contracts, landing_contracts, source_for_file
from warehouse.loaders.ledger import (
    FileResult,
    landed_files_table,
    log_table,
    now,
    skipped_rows,
)
from warehouse.loaders.ledger import (
    rejects_table as ledger_rejects,
)
from warehouse.loaders.tabular import work_cursor
from warehouse.loaders.targets import open_warehouse
from warehouse.loaders.write import insert_prepared, prepare_batches
from warehouse.locking import hold_warehouse
from warehouse.settings import Target

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}

#: Fault injection for tests of atomicity: `pause-before-commit` waits (to be killed) and
#: `fail-before-commit` raises, both after every row is written and before the commit.
FAULT_ENV = "WAREHOUSE_LOAD_FAULT"
PAUSED_MARKER = "load paused before commit"


class LoadUsageError(ValueError):
    """The command was asked something impossible (unknown source, no files)."""


@dataclass
class LoadReport:
    run_id: str
    files: list[FileResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    error: str | None = None
    #: True when the load failed after committing part of its work (a roster phase that failed after
    #: its retries): loading the same files again completes it.
    partly_committed: bool = False
    #: Files unusable as a whole (they landed nothing; the other files did).
    failed_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PlannedFile:
    contract: Contract
    path: Path
    fmt: str


def plan(paths: list[Path], source: str | None = None) -> tuple[list[PlannedFile], list[str]]:
    """The files to land (folders are scanned one level deep, by file name) and the names ignored."""
    if source is not None and source not in landing_contracts():
        known = ", ".join(sorted(landing_contracts()))
        raise LoadUsageError(f"unknown source {source!r}; known sources: {known}")
    planned: list[PlannedFile] = []
    ignored: list[str] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.iterdir() if p.is_file())
        elif path.exists():
            candidates = [path]
        else:
            raise LoadUsageError(f"{path}: no such file or folder")
        for candidate in candidates:
            table = source or source_for_file(candidate)
            fmt = FORMATS.get(candidate.suffix.lower())
            if table is None or fmt is None:
                if path.is_dir():
                    ignored.append(candidate.name)
                    continue
                raise LoadUsageError(
                    f"{candidate}: cannot tell its source from the name; use `warehouse load SOURCE PATH`"
                )
            planned.append(PlannedFile(contracts()[table], candidate.resolve(), fmt))
    unique = list(dict.fromkeys(planned))
    if not unique:
        raise LoadUsageError("no landing files found in " + ", ".join(map(str, paths)))
    return unique, ignored


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_now = now


def read_file(item: PlannedFile, digest: str, work, staged_as: str, stop: Event | None = None) -> Batch:
    """Read and validate phases of one file; its valid rows are staged in table `staged_as` of the work
    database. A file of documents stops being read once `stop` is set (documents.ReadingStopped)."""
    contract, path, fmt = item.contract, item.path, item.fmt
    if fmt not in contract.formats and not (fmt == "json" and "json" in contract.formats):
        raise UnusableFile(path, f"{fmt} is not a landing format of {contract.table} ({', '.join(contract.formats)})")
    started, clock = _now(), time.perf_counter()
    source_file = str(path)
    if contract.kind == "document":
        reader = documents.read_epochs if contract.table == "epochs" else documents.read_roster
        valid = StagedRows.empty(work, staged_as, documents.arrow_schema(contract))
        reject_rows, rows_read, duplicates = reader(path, contract, fmt, source_file, valid, stop)
        timings = [PhaseTiming("read", started, (time.perf_counter() - clock) * 1000)]
        rejects = rejects_table(reject_rows)
        timings.append(PhaseTiming("validate", _now(), 0.0))
    else:
        rows_read = tabular.read_text_table(work, path, contract, fmt)
        timings = [PhaseTiming("read", started, (time.perf_counter() - clock) * 1000)]
        started, clock = _now(), time.perf_counter()
        valid, rejects, duplicates = tabular.validate(work, contract, source_file, staged_as)
        timings.append(PhaseTiming("validate", started, (time.perf_counter() - clock) * 1000))
    return Batch(contract, path, digest, rows_read, valid, rejects, timings, duplicates_in_file=duplicates)


def load(
    paths: list[Path],
    target: Target,
    source: str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Lands the files into `raw` on the target; see the module docstring for the guarantees."""
    say = on_progress or (lambda message: None)
    planned, ignored = plan(paths, source)
    run_id = f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    report = LoadReport(run_id=run_id, ignored=ignored)
    with hold_warehouse(target, "load"):
        return _load_held(planned, target, report, say)


def _load_held(
    planned: list[PlannedFile], target: Target, report: LoadReport, say: Callable[[str], None]
) -> LoadReport:
    run_id = report.run_id
    warehouse = open_warehouse(target)
    work = warehouse.work_connection()  # the files' valid rows stay here until they land
    try:
        warehouse.ensure_raw_schema()
        digests = {item: file_hash(item.path) for item in planned}
        landed = _already_landed(warehouse, set(digests.values()))
        batches: list[Batch] = []
        failures: list[tuple[PlannedFile, str, datetime]] = []
        seen_hashes: set[tuple[str, str]] = set()
        to_read = []
        for item in planned:
            key = (item.contract.table, digests[item])
            if key in landed or key in seen_hashes:
                report.files.append(FileResult(item.contract.table, str(item.path), status="skipped"))
                say(f"{item.path.name}: identical file already landed, skipped")
                continue
            seen_hashes.add(key)
            to_read.append(item)
        for item, started, outcome in _read_files(to_read, digests, work, say):
            try:
                batches.append(outcome.result())
            except UnusableFile as error:
                failures.append((item, error.problem, started))
        if failures:
            report.error = "; ".join(f"{item.path}: {problem}" for item, problem, _ in failures)
            report.failed_files = [str(item.path) for item, _, _ in failures]
            _log_failures(warehouse, run_id, failures)
            report.files.extend(
                FileResult(item.contract.table, str(item.path), "failed", error=problem)
                for item, problem, _ in failures
            )
        if batches:
            warehouse.lock()
            reject_conflicts(warehouse, batches)
        rosters = [b for b in batches if roster.is_roster(b)]  # staged phases of their own (roster.py)
        batches = [b for b in batches if not roster.is_roster(b)]
        skipped = [f for f in report.files if f.status == "skipped"]
        if batches:
            say(f"writing {sum(b.valid.num_rows for b in batches):,} rows in one transaction")
            report.files.extend(_write(warehouse, run_id, batches, skipped=skipped))
            skipped = []
        if rosters:
            outcome = roster.land(warehouse, run_id, rosters, skipped, say)
            report.files.extend(outcome.files)
            if outcome.error:
                report.error = "; ".join(e for e in (report.error, outcome.error) if e)
                report.partly_committed = True
        elif not batches and skipped:
            _log_skipped(warehouse, run_id, skipped)
        return report
    finally:
        work.close()
        warehouse.close()
        tabular.remove_spill_directory()


def _read_files(
    items: list[PlannedFile], digests: dict[PlannedFile, str], work, say: Callable[[str], None]
) -> list[tuple[PlannedFile, datetime, Future]]:
    """Reads the files, in their order: (file, when its reading started, its Batch or UnusableFile).

    Documents are parsed in Python, one at a time, while the tabular files are read and validated by DuckDB,
    which leaves Python's lock free: the documents are read in a thread of their own, beside the tabular files
    read in this one. Each reader stages its rows in tables of its own (`valid_<n>`, n the file's place in the
    load). Should this thread fail or be interrupted, the documents' thread stops at its next document."""
    stop = Event()
    cursor = work_cursor(work)
    outcomes: list[tuple[PlannedFile, datetime, Future]] = []
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="documents") as documents_thread:
            try:
                for index, item in enumerate(items):
                    say(f"reading {item.path.name} ({item.contract.table})")
                    started, staged_as = _now(), f"valid_{index}"
                    if item.contract.kind == "document":
                        outcome = documents_thread.submit(
                            _read_beside, item, digests[item], cursor, staged_as, stop, work
                        )
                    else:
                        outcome = Future()
                        try:
                            outcome.set_result(read_file(item, digests[item], work, staged_as))
                        except UnusableFile as error:
                            outcome.set_exception(error)
                    outcomes.append((item, started, outcome))
            except BaseException:
                stop.set()
                raise
    finally:
        cursor.close()
    return outcomes


def _read_beside(item: PlannedFile, digest: str, cursor, staged_as: str, stop: Event, work) -> Batch:
    """`read_file` in the documents' thread, on its own connection (`cursor`); the rows it staged are then read
    through the load's own (`work`), as every other file's."""
    batch = read_file(item, digest, cursor, staged_as, stop)
    batch.valid.work = work
    return batch


def _already_landed(warehouse, digests: set[str]) -> set[tuple[str, str]]:
    if not digests:
        return set()
    values = ", ".join(f"'{d}'" for d in sorted(digests))
    return {
        (s, h)
        for h, s in warehouse.fetch(f"select file_hash, source from raw.landed_files where file_hash in ({values})")
    }


def _log_skipped(warehouse, run_id: str, files: list[FileResult]) -> None:
    warehouse.begin()
    warehouse.bulk_insert("raw.ingest_logs", log_table(run_id, skipped_rows(files)))
    warehouse.commit()


def _log_failures(warehouse, run_id: str, failures) -> None:
    rows = [
        {
            "source": item.contract.table,
            "file": str(item.path),
            "phase": "read",
            "started_at": started,
            "duration_ms": (_now() - started).total_seconds() * 1000,
            "status": "failed",
            "error": problem,
        }
        for item, problem, started in failures
    ]
    warehouse.begin()
    warehouse.bulk_insert("raw.ingest_logs", log_table(run_id, rows))
    warehouse.commit()


def _write(warehouse, run_id: str, batches: list[Batch], skipped: list[FileResult]) -> list[FileResult]:
    loaded_at = _now()
    warehouse.lock()
    started, clock = _now(), time.perf_counter()
    tables, counts = prepare_batches(warehouse, batches)
    warehouse.begin()
    try:
        insert_prepared(warehouse, tables, run_id, loaded_at)
        duration = (time.perf_counter() - clock) * 1000
        results, log = [], skipped_rows(skipped)
        for batch in batches:
            written, duplicate = counts.get(str(batch.path), (0, 0))
            duplicate += batch.duplicates_in_file
            result = FileResult(
                batch.contract.table, str(batch.path), "ok", batch.rows_read, written, batch.rows_rejected, duplicate
            )
            results.append(result)
            base = {"source": result.source, "file": result.file}
            read, validate = batch.timings
            log.append(
                {
                    **base,
                    "phase": "read",
                    "started_at": read.started_at,
                    "duration_ms": read.duration_ms,
                    "rows_read": batch.rows_read,
                }
            )
            log.append(
                {
                    **base,
                    "phase": "validate",
                    "started_at": validate.started_at,
                    "duration_ms": validate.duration_ms,
                    "rows_rejected": batch.rows_rejected,
                }
            )
            log.append(
                {
                    **base,
                    "phase": "write",
                    "started_at": started,
                    "duration_ms": duration,
                    "rows_written": written,
                    "rows_duplicate": duplicate,
                }
            )
            if batch.rejects.num_rows:
                warehouse.bulk_insert(
                    "raw.rejects", ledger_rejects(run_id, result.source, result.file, batch.rejects, loaded_at)
                )
        warehouse.bulk_insert("raw.ingest_logs", log_table(run_id, log))
        warehouse.bulk_insert(
            "raw.landed_files",
            landed_files_table(batches, run_id, loaded_at, {name: c[0] for name, c in counts.items()}),
        )
        _inject_fault()
        warehouse.commit()
        return results
    except BaseException:
        warehouse.rollback()
        raise


def _inject_fault() -> None:
    fault = os.environ.get(FAULT_ENV)
    if fault == "pause-before-commit":
        print(PAUSED_MARKER, flush=True, file=sys.stderr)
        time.sleep(600)
    elif fault == "fail-before-commit":
        raise RuntimeError("injected failure before commit")
