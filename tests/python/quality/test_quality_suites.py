"""The suites catch what they claim: on a corrupted copy of the clean `small` warehouse the right expectation
fails with the right observed value and `warehouse quality` exits non-zero; the clean warehouse passes."""

from __future__ import annotations

import duckdb
import pytest
from quality.quality_world import copy_duckdb
from typer.testing import CliRunner

from warehouse.cli import app
from warehouse.quality import run_quality
from warehouse.quality.suites import load_suites
from warehouse.settings import target_from_env


def result_of(run, suite: str, asset: str, column: str):
    [match] = [r for s in run.suites if s.name == suite for r in s.results if r.asset == asset and r.column == column]
    return match


def test_the_clean_small_warehouse_passes_every_suite_and_is_published(small_duckdb):
    target, report = small_duckdb
    run = report.quality
    assert run.success, [(s.name, r.asset, r.column, r.observed, r.detail) for s, r in run.failures()]
    assert {s.name for s in run.suites} == {s.name for s in load_suites()}
    assert {s.layer for s in run.suites} == {"raw", "staging", "intermediate", "marts"}
    assert sum(len(s.results) for s in run.suites) >= 90
    # what does not exist yet is skipped with its reason, never silently passed
    for suite in run.suites:
        for result in suite.results:
            assert result.success and (result.skipped is None or "yet" in result.skipped)
    assert report.publication is not None and target.duckdb_path.with_name("marts.duckdb").exists()


@pytest.fixture(scope="module")
def corrupted(small_duckdb, tmp_path_factory):
    """A copy with a σ of 0, a duplicated key, a share price of 0, a rated vote missing and a stale source."""
    folder = tmp_path_factory.mktemp("corrupted")
    into = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(folder / small_duckdb[0].duckdb_path.name)})
    target = copy_duckdb(small_duckdb[0], into, with_publication=True)
    connection = duckdb.connect(str(target.duckdb_path))
    seqs = connection.execute(
        "select event_seq from intermediate.int_votes_rated order by event_seq limit 2"
    ).fetchall()
    connection.execute(f"update intermediate.int_votes_rated set winner_sigma = 0 where event_seq = {seqs[0][0]}")
    connection.execute(f"delete from intermediate.int_votes_rated where event_seq = {seqs[1][0]}")
    connection.execute("insert into marts.nft_stats select * from marts.nft_stats order by nft_id limit 1")
    connection.execute(
        "update marts.operator_share_prices set share_price = 0 where (domain_id, epoch, operator_id) = "
        "(select (domain_id, epoch, operator_id) from marts.operator_share_prices order by all limit 1)"
    )
    connection.execute(
        "delete from raw.fires where occurred_at > (select max(occurred_at) - interval 5 day from raw.fires)"
    )
    newest = connection.execute(
        "select greatest((select max(occurred_at) from raw.votes), (select max(epoch_timestamp) from raw.epochs), "
        "(select max(sent_at) from raw.messages), (select max(occurred_at) from raw.upvotes), "
        "(select max(occurred_at) from raw.sliders), (select max(fetched_at) from raw.roster_snapshots)) "
        "- (select max(occurred_at) from raw.fires)"
    ).fetchone()[0]
    duplicated = connection.execute("select nft_id from marts.nft_stats order by nft_id limit 1").fetchone()[0]
    connection.close()
    return target, run_quality(target), {"fires_lag_hours": newest.total_seconds() / 3600, "nft_id": duplicated}


def test_an_audit_leaves_no_connection_open_in_its_process(corrupted):
    """A process that audits builds again afterwards (a scheduler's, a test session): DuckDB refuses to open a
    file for writing while a read-only connection to it is open in the same process."""
    duckdb.connect(str(corrupted[0].duckdb_path)).close()


@pytest.mark.parametrize(
    "suite, asset, column, observed",
    [
        ("intermediate.community", "votes_rated", "winner_sigma", "1 unexpected of 49,999, e.g. 0.0"),
        ("marts.community", "nft_stats", "nft_id", "2 unexpected of 2,001, e.g. {nft_id}, {nft_id}"),
        ("marts.staking", "operator_share_prices", "share_price", "1 unexpected of 5,357, e.g. 0.0"),
        ("intermediate.community", "staging_to_intermediate_balance", "votes_not_rated", 1),
        ("raw.ingestion", "freshness", "fires_lag_hours", "{fires_lag_hours}"),
    ],
    ids=["sigma_of_zero", "duplicated_key", "share_price_of_zero", "row_missing_between_layers", "stale_source"],
)
def test_a_corruption_fails_its_expectation_with_the_observed_value(corrupted, suite, asset, column, observed):
    _, run, facts = corrupted
    result = result_of(run, suite, asset, column)
    assert not result.success and result.severity == "error"
    if observed == "{fires_lag_hours}":
        assert result.observed == pytest.approx(facts["fires_lag_hours"]) and result.observed > 48
    elif isinstance(observed, str):
        assert result.observed == observed.format(**facts)
    else:
        assert result.observed == observed
    assert not run.success


def test_the_clean_expectations_of_a_corrupted_copy_still_pass(corrupted):
    """Only what was corrupted (and the balances it moves) fails."""
    _, run, _ = corrupted
    failed = {(s.name, r.asset, r.column) for s, r in run.failures()}
    assert failed == {
        ("intermediate.community", "votes_rated", "winner_sigma"),
        ("intermediate.community", "staging_to_intermediate_balance", "votes_not_rated"),
        ("marts.community", "nft_stats", "nft_id"),
        ("marts.community", "staging_to_marts_balance", "nfts_without_stats"),
        ("marts.staking", "operator_share_prices", "share_price"),
        ("raw.ingestion", "freshness", "fires_lag_hours"),
    }


def test_warehouse_quality_exits_non_zero_and_names_each_failure(corrupted):
    target, _, _ = corrupted
    result = CliRunner().invoke(
        app, ["quality", "--layer", "marts"], env={"WAREHOUSE_DUCKDB_PATH": str(target.duckdb_path), "COLUMNS": "200"}
    )
    assert result.exit_code == 1, result.output
    assert "expect_column_values_to_be_unique(nft_id) on marts.nft_stats — observed 2 unexpected" in result.output
    assert "expect_column_values_to_be_between(share_price) on marts.operator_share_prices" in result.output
    assert f"report: {target.duckdb_path}.quality/index.html" in result.output
    assert "Traceback" not in result.output


def test_the_report_lists_every_suite(small_duckdb):
    """The Data Docs index the build's audit wrote names every suite (each asset's GX suite is `<suite>.<asset>`)."""
    _, report = small_duckdb
    index = report.quality.report_path.read_text()
    for suite in load_suites():
        for asset in suite.assets:
            if asset.skip_reason is None:
                assert f"{suite.name}.{asset.name}" in index


def test_a_scheduled_audit_leaves_the_assets_that_read_every_event_to_the_full_audit(corrupted):
    """The audit of a scheduled build skips a `full_audit_only` asset and says why; the full audit (above)
    fails it on the same copy. The other expectations run as before."""
    from warehouse.quality.runner import FULL_AUDIT_ONLY

    target, _, _ = corrupted
    run = run_quality(target, layers=["marts"], scheduled=True)
    balance = result_of(run, "marts.community", "staging_to_marts_balance", "nfts_without_stats")
    assert balance.success and balance.skipped == FULL_AUDIT_ONLY and balance.observed is None
    skipped = {(s.name, r.asset) for s in run.suites for r in s.results if r.skipped}
    assert skipped == {("marts.community", "staging_to_marts_balance"), ("marts.discovery", "staging_to_marts_balance")}
    failed = {(s.name, r.asset, r.column) for s, r in run.failures()}
    assert failed == {
        ("marts.community", "nft_stats", "nft_id"),
        ("marts.staking", "operator_share_prices", "share_price"),
    }


def test_a_scheduled_audit_made_in_its_own_process_reports_the_same(corrupted):
    """warehouse.quality.worker: the scheduled build's audit runs in a process started beside dbt; what it
    finds, and an error it raises, come back to the build as they would in the build's process."""
    from warehouse.quality.suites import SuiteError
    from warehouse.quality.worker import quality_worker

    target, _, _ = corrupted
    with quality_worker() as worker:
        run = worker.run_quality(target, layers=["marts"], scheduled=True)
    assert not run.success
    assert {(s.name, r.asset, r.column) for s, r in run.failures()} == {
        ("marts.community", "nft_stats", "nft_id"),
        ("marts.staking", "operator_share_prices", "share_price"),
    }
    with quality_worker() as worker, pytest.raises(SuiteError, match="unknown layer gold"):
        worker.run_quality(target, layers=["gold"])


def test_an_audit_worker_never_asked_is_stopped_without_waiting_for_its_import():
    """A scheduled build whose dbt step failed does not wait for Great Expectations to finish importing."""
    import signal

    from warehouse.quality.worker import quality_worker

    with quality_worker() as worker:
        pass
    assert worker._process.exitcode == -signal.SIGTERM


def test_a_scheduled_audit_that_fails_discards_the_publication_staged_while_it_ran(corrupted, monkeypatch):
    """A scheduled build stages its publication while the worker validates (warehouse.build.audit_and_publish):
    when the audit fails, what was staged is removed and analysts keep reading the previous publication."""
    import warehouse.publish
    from warehouse.build import BuildReport, audit_and_publish
    from warehouse.publish import marts_path
    from warehouse.quality.worker import quality_worker

    target, _, _ = corrupted
    published = marts_path(target)
    before = (published.stat().st_ino, published.read_bytes())
    staged = []
    stage = warehouse.publish.stage
    monkeypatch.setattr(warehouse.publish, "stage", lambda *args, **kw: staged.append(stage(*args, **kw)) or staged[-1])
    report = BuildReport(success=True)
    with quality_worker() as worker:
        audit_and_publish(target, report, layers=["marts"], scheduled=True, worker=worker)
    assert not report.success and report.publication is None
    assert report.error == "error-level expectations failed: the previous publication stays in place"
    assert len(staged) == 1 and len(staged[0].names) >= 25  # it was staged, every mart, then removed
    assert (published.stat().st_ino, published.read_bytes()) == before
    assert not list(published.parent.glob(".*publishing*"))
