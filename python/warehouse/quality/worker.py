"""run_quality in a process of its own, started before dbt, so that importing Great Expectations (seconds of
one core) overlaps the build instead of following it. A scheduled build uses it (warehouse.build): its audit
is a short one, which the import would otherwise dominate.

    with quality_worker() as worker:      # the process starts and imports now
        ...                                # dbt builds meanwhile
        run = worker.run_quality(target, layers=..., scope=..., scheduled=...)
        # or: pending = worker.submit_quality(...); other work (staging the publication); pending.result()

The process is spawned (a fresh interpreter: nothing of the build's threads or open files is inherited) and
opens the warehouse only when asked to validate, after dbt has released it. It is stopped as soon as it has
answered, so nothing of it holds the warehouse file while the marts are published. An exception of the audit
comes back as itself; a process that dies is reported as an exception too.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from warehouse.quality.runner import QualityRun, run_quality
from warehouse.settings import Target


def _import_great_expectations() -> None:
    import great_expectations  # noqa: F401
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration  # noqa: F401


class QualityWorker:
    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_import_great_expectations,
        )
        self._pool.submit(int)  # the pool starts its process at the first task

    def submit_quality(self, target: Target, **options) -> Future[QualityRun]:
        """warehouse.quality.run_quality(target, **options) started in the process; `close` once answered."""
        return self._pool.submit(run_quality, target, **options)

    def run_quality(self, target: Target, **options) -> QualityRun:
        """warehouse.quality.run_quality(target, **options) in the process, which then stops."""
        try:
            return self.submit_quality(target, **options).result()
        finally:
            self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def quality_worker():
    worker = QualityWorker()
    try:
        yield worker
    finally:
        worker.close()
