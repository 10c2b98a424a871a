"""The report's front page: one self-contained HTML file (no scripts, no external assets, so it reads offline)
with every suite, every failure and its observed value, and links to GX's validation pages beside it."""

from __future__ import annotations

from html import escape
from pathlib import Path

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 96em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3em .6em; }
th { border-bottom: 2px solid #999; }
td { border-bottom: 1px solid #ddd; vertical-align: top; overflow-wrap: anywhere; }
.ok { color: #1a7f37; } .error { color: #b42318; font-weight: 600; } .warn { color: #9a6700; }
.skip { color: #777; } code { font-size: .92em; } .verdict { font-size: 1.2em; padding: .5em 0; }
"""


def _validation_pages(folder: Path) -> dict[str, str]:
    """GX suite name (`marts.community.nft_stats`) -> its validation page, relative to the report folder."""
    pages = {}
    for page in (folder / "validations").rglob("*.html"):
        suite = ".".join(page.relative_to(folder / "validations").parts[:3])
        pages[suite] = str(page.relative_to(folder))
    return pages


def _row(*cells, css: str = "") -> str:
    first = f' class="{css}"' if css else ""
    return f"<tr><td{first}>" + "</td><td>".join(cells) + "</td></tr>"


def _table(headers: list[str], rows: list[str], empty: str) -> str:
    if not rows:
        return f"<p class='ok'>{empty}</p>"
    return "<table><tr><th>" + "</th><th>".join(headers) + "</th></tr>" + "".join(rows) + "</table>"


def write_overview(run, folder: Path, target_description: str) -> Path:
    pages = _validation_pages(folder)
    errors = sum(1 for _, r in run.failures() if r.severity == "error")
    warnings = sum(1 for _, r in run.failures() if r.severity == "warn")
    verdict = (
        '<p class="verdict ok">Passed: no error-level expectation failed.</p>'
        if run.success
        else f'<p class="verdict error">Failed: {errors} error-level expectation(s) failed.</p>'
    )
    suites = []
    for suite in run.suites:
        failed = sum(1 for r in suite.results if not r.success and r.severity == "error")
        warned = sum(1 for r in suite.results if not r.success and r.severity == "warn")
        skipped = sum(1 for r in suite.results if r.skipped)
        links = []
        for asset in sorted({r.asset for r in suite.results}):
            page = pages.get(f"{suite.name}.{asset}")
            links.append(f'<a href="{escape(page)}">{escape(asset)}</a>' if page else escape(asset))
        css = "error" if failed else ("warn" if warned else "ok")
        counts = [len(suite.results) - failed - warned - skipped, failed, warned, skipped]
        suites.append(_row(escape(suite.name), *map(str, counts), ", ".join(links), css=css))
    failures = [
        _row(
            r.severity,
            escape(s.name),
            escape(r.asset),
            f"<code>{escape(r.expectation)}</code>",
            escape(r.relation or ""),
            escape(r.column or ""),
            escape(str(r.observed if r.observed is not None else r.detail)),
            css=r.severity,
        )
        for s, r in run.failures()
    ]
    dbt = [
        _row(escape(f.name), escape(f.status), "" if f.failures is None else str(f.failures), escape(f.relation or ""))
        for f in run.dbt_failures
    ]
    skipped = sorted({(s.name, r.asset, r.skipped) for s in run.suites for r in s.results if r.skipped})
    skipped_items = "".join(f"<li class='skip'>{escape(n)}.{escape(a)}: {escape(why)}</li>" for n, a, why in skipped)
    failure_headers = ["severity", "suite", "asset", "expectation", "relation", "column", "observed"]
    suite_headers = ["suite", "passed", "failed", "warnings", "skipped", "assets (GX validation pages)"]
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality — {escape(target_description)}</title>
<style>{STYLE}</style></head><body>
<h1>Data quality report</h1>
<p>{escape(target_description)} · run at {escape(run.started_at)} · {run.seconds:.1f} s ·
{len(run.suites)} suites, {sum(len(s.results) for s in run.suites)} expectations ·
{errors} errors, {warnings} warnings</p>
{verdict}
<h2>Suites</h2>
{_table(suite_headers, suites, "No suites.")}
<h2>Failed expectations</h2>
{_table(failure_headers, failures, "None.")}
<h2>Failed dbt tests (failing rows in the audit schema)</h2>
{_table(["test", "status", "failing rows", "relation"], dbt, "None in the last dbt run.")}
<h2>Skipped</h2>
{f"<ul>{skipped_items}</ul>" if skipped_items else "<p>None.</p>"}
<p class="skip">Great Expectations Data Docs: <a href="data_docs.html">index</a> (it needs internet for its
styles and scripts) and the validation pages linked above.</p>
</body></html>
"""
    index = folder / "index.html"
    index.write_text(html)
    return index
