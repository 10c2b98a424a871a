"""The one-screen summary of a quality run: one row per suite, one line per failed expectation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from warehouse.quality.runner import ExpectationResult, QualityRun


def describe(result: ExpectationResult) -> str:
    column = f"({result.column})" if result.column else ""
    if result.from_query:
        return f"{result.expectation}{column} on query {result.asset} over {result.relation}"
    return f"{result.expectation}{column} on {result.relation}"


def print_summary(console: Console, run: QualityRun, compact: bool = False) -> None:
    """The suites' table, each failure with its observed value, skips and the report's path; `compact`
    (after a build) gives one line of totals instead of the table and the skips."""
    counts = []
    for suite in run.suites:
        failed = sum(1 for r in suite.results if not r.success and r.severity == "error")
        warned = sum(1 for r in suite.results if not r.success and r.severity == "warn")
        skipped = sum(1 for r in suite.results if r.skipped)
        passed = sum(1 for r in suite.results if r.success and not r.skipped)
        counts.append((suite.name, passed, failed, warned, skipped))
    if compact:
        passed, failed, warned, skipped = (sum(c[i] for c in counts) for i in range(1, 5))
        console.print(
            f"audit ({run.seconds:.1f} s): {len(counts)} suites, {passed} expectations passed, {failed} failed, "
            f"{warned} warnings, {skipped} skipped (`warehouse quality` shows each suite)"
        )
    else:
        table = Table("suite", "passed", "failed", "warnings", "skipped", title=f"quality ({run.seconds:.1f} s)")
        for name, passed, failed, warned, skipped in counts:
            table.add_row(name, str(passed), str(failed), str(warned), str(skipped), style="red" if failed else "")
        console.print(table)
    for suite, result in run.failures():
        style, label = ("red", "error") if result.severity == "error" else ("yellow", "warn")
        observed = result.detail if result.observed is None and result.detail else result.observed
        console.print(f"[{style}]{label}[/] {suite.name}: {describe(result)} — observed {observed}", soft_wrap=True)
    for failure in run.dbt_failures:
        rows = f"{failure.failures:,} failing rows" if failure.failures is not None else failure.status
        where = f" in {failure.relation}" if failure.relation else ""
        console.print(f"[red]dbt test[/] {failure.name}: {rows}{where}", soft_wrap=True)
    reasons = sorted({(suite.name, r.asset, r.skipped) for suite in run.suites for r in suite.results if r.skipped})
    for name, asset, reason in [] if compact else reasons:
        console.print(f"[dim]skipped {name}.{asset}: {reason}[/]")
    console.print(f"report: {run.report_path}", soft_wrap=True)
    if run.success:
        console.print("[green]no error-level expectation failed[/]")
    else:
        console.print("[red]error-level expectations failed[/]: fix the data or the model, then build again")
