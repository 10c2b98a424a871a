"""Data tests scoped to the new rows: a scheduled build checks what landed since its tests last passed, not the
history again; `--full-audit` (build(full_audit=True)) checks every row. On DuckDB and PostgreSQL."""

from __future__ import annotations

from warehouse.build import build
from warehouse.loaders.run import load
from warehouse.loaders.targets import open_warehouse

from landing import VOTE_COLUMNS, query, scalar, vote, write_csv

SELECT = ["stg_community__votes", "stg_community__nfts", "stg_community__users"]
BROKEN_TEST = "unique_stg_community__votes_event_id"


def _land(folder, votes, nfts=()):
    if nfts:
        write_csv(
            folder / "nfts.csv",
            ["nft_id", "collection", "token_id", "name", "created_at"],
            [[n, "c1", "1", n, "2026-01-01T00:00:00Z"] for n in nfts],
        )
        write_csv(folder / "users.csv", ["user_id", "handle", "created_at"], [["u_1", "one", "2026-01-01T00:00:00Z"]])
    write_csv(folder / "votes.csv", VOTE_COLUMNS, votes)
    return folder


def _failed(report) -> set[str]:
    return {node.name for node in report.nodes if node.status in ("fail", "error")}


def _spoil_vote(target, event_id: str) -> None:
    """A landed vote written into raw a second time, behind the loaders' back (its key twice)."""
    warehouse = open_warehouse(target)
    try:
        warehouse.execute(f"insert into raw.votes select * from raw.votes where event_id = '{event_id}'")
    finally:
        warehouse.close()


def test_tests_read_new_rows_and_the_full_audit_reads_every_row(target, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")  # not the tests of models downstream
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "dbt_logs"))
    load([_land(tmp_path / "one", [vote("v1", a="nft_1", b="nft_2")], nfts=["nft_1", "nft_2", "nft_3"])], target)
    report = build(target, select=SELECT, quiet=True)
    assert report.success, _failed(report)
    mark = scalar(target, "select mark from ops.test_watermarks where model = 'stg_community__votes'")
    assert mark == scalar(target, "select max(event_seq) from staging.stg_community__votes")

    # an old vote goes bad behind the loader's back: the scheduled build does not read it again, the audit does
    _spoil_vote(target, "v1")
    assert build(target, select=SELECT, quiet=True).success
    audit = build(target, select=SELECT, quiet=True, full_audit=True)
    assert not audit.success
    assert any(name.startswith(BROKEN_TEST) for name in _failed(audit)), _failed(audit)

    # a new vote is checked by the scheduled build: a good one passes, a bad one fails
    load([_land(tmp_path / "two", [vote("v2", at="2026-03-02T12:00:00Z", a="nft_1", b="nft_3")])], target)
    assert build(target, select=SELECT, quiet=True).success
    load([_land(tmp_path / "three", [vote("v3", at="2026-03-03T12:00:00Z", a="nft_1", b="nft_3")])], target)
    _spoil_vote(target, "v3")
    scheduled = build(target, select=SELECT, quiet=True)
    assert any(name.startswith(BROKEN_TEST) for name in _failed(scheduled)), _failed(scheduled)
    # a failing test keeps its model's mark, so the next build checks those rows again
    assert scalar(target, "select mark from ops.test_watermarks where model = 'stg_community__votes'") < scalar(
        target, "select max(event_seq) from staging.stg_community__votes"
    )
    assert not build(target, select=SELECT, quiet=True).success


def test_one_test_checks_the_required_columns_of_the_new_rows_and_names_the_null_ones(target, tmp_path, monkeypatch):
    """The models over append-only events test their required columns in one test (not_null_columns): a null in
    a new row fails it, and its stored failing row names the null columns; the rows its last pass read are not
    read again."""
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "dbt_logs"))
    load([_land(tmp_path / "one", [vote("v1", a="nft_1", b="nft_2")], nfts=["nft_1", "nft_2", "nft_3"])], target)
    assert build(target, select=SELECT, quiet=True).success
    load([_land(tmp_path / "two", [vote("v2", at="2026-03-02T12:00:00Z", a="nft_1", b="nft_3")])], target)

    # staging goes wrong behind dbt's back: every vote loses its type (a model change would be caught the same way)
    warehouse = open_warehouse(target)
    try:
        warehouse.execute("alter view staging.stg_community__votes rename to stg_community__votes_as_built")
        warehouse.execute(
            "create view staging.stg_community__votes as select event_seq, event_id, user_id, nft_a, nft_b,"
            " winner_nft_id, loser_nft_id, case when false then vote_type end as vote_type,"
            " case when false then is_super_vote end as is_super_vote, occurred_at, loaded_at"
            " from staging.stg_community__votes_as_built"
        )
    finally:
        warehouse.close()
    tested = build(target, select=["not_null_stg_community__votes"], quiet=True)
    assert _failed(tested) == {"not_null_stg_community__votes"}, _failed(tested)
    assert query(target, "select event_id, null_columns from audit.not_null_stg_community__votes") == [
        ("v2", "vote_type, is_super_vote")
    ]
