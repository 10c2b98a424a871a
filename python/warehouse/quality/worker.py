"""run_quality in a process of its own, started before dbt, so that importing Great Expectations (seconds of
one core) overlaps the build instead of following it. A scheduled build uses it (warehouse.build): its audit
is a short one, which the import would otherwise dominate.

    with quality_worker() as worker:      # the process starts and imports now
        ...                                # dbt builds meanwhile
        run = worker.run_quality(target, layers=..., scope=..., scheduled=...)
        # or: pending = worker.submit_quality(...); other work (staging the publication); pending.result()

The process is spawned (a fresh interpreter: nothing of the build's threads or open files is inherited) and
opens the warehouse only when asked to validate, after dbt has released it. It validates once: it sends its
answer after closing the warehouse, then exits at once (without the interpreter's teardown of everything
Great Expectations loaded, most of a second). A worker never asked (dbt failed) is stopped where it is. An
exception of the audit comes back as itself; a process that dies is reported as an exception too.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from contextlib import contextmanager

from warehouse.quality.runner import QualityRun, run_quality
from warehouse.settings import Target


def _serve(connection) -> None:
    """The worker process: imports, then answers one request (or none) and exits without teardown."""
    try:
        import great_expectations  # noqa: F401
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration  # noqa: F401
        from tqdm import tqdm

        # Great Expectations' progress bars (tqdm) would take a semaphore, which only the interpreter's teardown
        # gives back: a thread's lock does here, where one thread writes
        tqdm.set_lock(threading.RLock())
        target, options = connection.recv()  # EOFError when the build ends without asking
        try:
            answer = ("run", run_quality(target, **options))
        except Exception as error:
            answer = ("error", error)
        connection.send(answer)
        connection.close()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


class PendingAudit:
    """An audit the worker is making: `result()` waits for it."""

    def __init__(self, worker: QualityWorker) -> None:
        self._worker = worker
        self._answer: tuple | None = None

    def result(self) -> QualityRun:
        if self._answer is None:
            try:
                self._answer = self._worker._connection.recv()
            except (EOFError, OSError):
                code = self._worker._process.exitcode
                raise RuntimeError(f"the audit process stopped without an answer (exit code {code})") from None
        kind, value = self._answer
        if kind == "error":
            raise value
        return value


class QualityWorker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs,), name="warehouse-audit", daemon=True)
        self._process.start()
        theirs.close()
        self._asked = False

    def submit_quality(self, target: Target, **options) -> PendingAudit:
        """warehouse.quality.run_quality(target, **options) started in the process (once); `close` afterwards."""
        if self._asked:
            raise RuntimeError("an audit worker validates once")
        self._asked = True
        self._connection.send((target, options))
        return PendingAudit(self)

    def run_quality(self, target: Target, **options) -> QualityRun:
        """warehouse.quality.run_quality(target, **options) in the process, which then stops."""
        try:
            return self.submit_quality(target, **options).result()
        finally:
            self.close()

    def close(self) -> None:
        """Waits for the process to end; one never asked to validate is stopped at once."""
        if self._process.is_alive() and not self._asked:
            self._process.terminate()
        self._process.join()
        self._connection.close()


@contextmanager
def quality_worker():
    worker = QualityWorker()
    try:
        yield worker
    finally:
        worker.close()
