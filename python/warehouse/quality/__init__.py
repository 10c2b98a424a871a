"""Great Expectations suites for every layer, run in the warehouse's engine (`warehouse quality`).

    run_quality(target, layers=None) -> QualityRun   # .success, .report_path, .suites[*].results[*]

See gx/README.md for the suites and the report, and engine.py for how GX runs on DuckDB.
"""

from warehouse.quality.runner import ExpectationResult, QualityRun, SuiteResult, report_dir, run_quality

__all__ = ["ExpectationResult", "QualityRun", "SuiteResult", "report_dir", "run_quality"]
