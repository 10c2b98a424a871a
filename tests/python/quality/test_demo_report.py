"""`warehouse demo` ends with the data-quality report and the published marts, and says where they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warehouse.cli import app
from warehouse.quality.suites import load_suites

pytestmark = pytest.mark.slow


def test_the_small_demo_writes_a_report_that_lists_every_suite(tmp_path):
    build_file = tmp_path / "warehouse.duckdb"
    result = CliRunner().invoke(
        app, ["demo", "--scale", "small"], env={"WAREHOUSE_DUCKDB_PATH": str(build_file), "COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    report = Path(re.search(r"data-quality report: (\S+)", result.output).group(1))
    assert report == tmp_path / "warehouse.duckdb.quality" / "index.html" and report.exists()
    index = report.read_text()
    for suite in load_suites():
        for asset in suite.assets:
            if asset.skip_reason is None:
                assert f"{suite.name}.{asset.name}" in index, f"{suite.name}.{asset.name} missing from the report"
    assert f"analysts read: {tmp_path / 'marts.duckdb'}" in result.output
    assert (tmp_path / "marts.duckdb").exists()
