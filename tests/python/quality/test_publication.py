"""Write, audit, publish on DuckDB: analysts read marts.duckdb, which a build replaces only after a passing
audit, all at once, and which a reader can query while a build runs."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest
from quality.quality_world import copy_duckdb, recorded_full_audit

from warehouse.build import build
from warehouse.publish import last_publication, marts_path, open_published

pytestmark = pytest.mark.slow


def read_published(path) -> tuple:
    connection = open_published(path)
    try:
        return connection.execute(
            "select (select published_at from ops.publication), (select count(*) from marts.nft_scores), "
            "(select sum(share_price) from marts.operator_share_prices)"
        ).fetchone()
    finally:
        connection.close()


def test_the_published_file_carries_the_dbt_descriptions_and_works_under_any_name(small_duckdb, tmp_path):
    target, report = small_duckdb
    renamed = tmp_path / "any-name.duckdb"
    renamed.write_bytes(marts_path(target).read_bytes())
    connection = duckdb.connect(str(renamed), read_only=True)  # opened directly, under its new name
    try:
        schemas = {row[0] for row in connection.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts", "ops", "snapshots"}
        assert connection.execute("select count(*) from duckdb_views() where not internal").fetchone()[0] == 0
        comment = connection.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'nft_scores'"
        ).fetchone()[0]
        assert comment.startswith("What apps and analysts read")
        column = connection.execute(
            "select comment from duckdb_columns() where table_name = 'nft_scores' and column_name = 'poa_score'"
        ).fetchone()[0]
        assert column.startswith("Published POA score")
        assert connection.execute("select count(*) from ops.pipeline_dirty_nfts").fetchone()[0] >= 0
        assert connection.execute("select count(*) from marts.nft_scores").fetchone()[0] == 2000
    finally:
        connection.close()
    assert len(report.publication.tables) >= 25


def test_a_build_whose_audit_fails_leaves_what_analysts_read_unchanged(small_duckdb, duckdb_target):
    target = copy_duckdb(small_duckdb[0], duckdb_target, with_publication=True)
    published = marts_path(target)
    before, inode = read_published(published), published.stat().st_ino
    connection = duckdb.connect(str(target.duckdb_path))
    # the next build finds a source that stopped delivering: its newest 5 days never arrived
    connection.execute(
        "delete from raw.fires where occurred_at > (select max(occurred_at) - interval 5 day from raw.fires)"
    )
    connection.close()
    report = build(target, quiet=True, audit=True)
    assert report.quality is not None and not report.quality.success, report.error
    assert not report.success and report.publication is None
    assert "previous publication stays in place" in report.error
    assert published.stat().st_ino == inode and read_published(published) == before
    assert last_publication(target)["published_at"] == before[0]
    assert not list(published.parent.glob(".*publishing*"))


def test_a_scheduled_build_publishes_what_its_audit_worker_passed(small_duckdb, duckdb_target):
    """Between full audits a build audits in a worker process while it stages the publication
    (warehouse.build.audit_and_publish), and swaps it in after the audit passed."""
    target = recorded_full_audit(copy_duckdb(small_duckdb[0], duckdb_target, with_publication=True))
    published = marts_path(target)
    before = read_published(published)
    report = build(target, quiet=True, audit=True, force=True)
    assert report.success and report.full_audit is False, report.error
    assert report.quality.layers == ["marts"] and report.publication is not None
    after = read_published(published)
    assert after[0] > before[0] and after[1:] == before[1:]
    assert last_publication(target)["n_tables"] == len(report.publication.tables) >= 25
    assert not list(published.parent.glob(".*publishing*"))


def test_a_scheduled_publication_replaces_only_the_parts_that_changed(small_duckdb, duckdb_target):
    """Marts published in parts (meta.publication_partition: a staking mart by epoch, an incremental mart by what
    one run recomputes): a scheduled build's publication starts from the published file and replaces only the
    parts whose rows changed, and then equals the build. A mart whose columns the build reordered is copied whole,
    in the build's order."""
    from warehouse.publish import stage

    target = copy_duckdb(small_duckdb[0], duckdb_target, with_publication=True)
    published = marts_path(target)
    connection = duckdb.connect(str(target.duckdb_path))
    first, last, n_rows = connection.execute(
        "select min(epoch), max(epoch), count(*) from marts.operator_shares"
    ).fetchone()
    # the build moved on: its first epoch recomputed to other values, its last gone, a new one after it
    connection.execute(f"update marts.operator_shares set total_stake = total_stake + 1 where epoch = {first}")
    connection.execute(
        f"insert into marts.operator_shares select * replace (epoch + 1 as epoch) from marts.operator_shares "
        f"where epoch = {last}"
    )
    connection.execute(f"delete from marts.operator_shares where epoch = {last}")
    # one conversation recomputed by the incremental build
    conversation, n_conversations = connection.execute(
        "select min(conversation_id), count(*) from marts.message_conversations"
    ).fetchone()
    connection.execute(
        "update marts.message_conversations set unread_count = unread_count + 1 where conversation_id = ?",
        [conversation],
    )
    columns = [row[0] for row in connection.execute("describe marts.chain_posts").fetchall()]
    reordered = [*reversed(columns)]
    connection.execute(
        f"create or replace table marts.chain_posts as select {', '.join(reordered)} from marts.chain_posts"
    )
    connection.close()
    publication = stage(target, incremental=True).commit({"success": True})
    connection = duckdb.connect()
    connection.execute(f"attach '{target.duckdb_path}' as build (read_only)")
    connection.execute(f"attach '{published}' as published (read_only)")
    try:
        for name in publication.tables:
            differ = connection.execute(
                f"select count(*) from ((from build.{name} except all from published.{name}) "
                f"union all (from published.{name} except all from build.{name}))"
            ).fetchone()[0]
            assert differ == 0, name
        # the unchanged epochs kept their place; the changed one was deleted and appended after them
        moved = connection.execute(
            f"select min(rowid) from published.marts.operator_shares where epoch = {first}"
        ).fetchone()[0]
        assert moved >= n_rows  # a whole copy would have written it first, as the build holds it
        moved = connection.execute(
            "select min(rowid) from published.marts.message_conversations where conversation_id = ?", [conversation]
        ).fetchone()[0]
        assert moved >= n_conversations - 2  # its rows (one per participant) deleted and appended
        published_columns = connection.execute(
            "select column_name from duckdb_columns() where database_name = 'published' and table_name = 'chain_posts'"
            " order by column_index"
        ).fetchall()
        assert [row[0] for row in published_columns] == reordered
        comment = "select comment from duckdb_columns() where database_name = 'published' and table_name = ?"
        assert connection.execute(comment + " and column_name = 'total_stake'", ["operator_shares"]).fetchone()[0]
    finally:
        connection.close()


READER = """
import sys, time, pathlib, duckdb
path, stop = sys.argv[1], pathlib.Path(sys.argv[2])
def open_published(path):
    connection = duckdb.connect()
    connection.execute(f"attach '{path}' as published (read_only)")
    connection.execute("use published")
    return connection
held = open_published(path)  # opened before the build, kept across the swap
while True:
    done = stop.exists()  # checked before the read: the last read starts after the build returned
    try:
        fresh = open_published(path)
        published_at, n = fresh.execute(
            "select (select published_at from ops.publication), (select count(*) from marts.nft_scores)"
        ).fetchone()
        fresh.close()
        print("fresh", published_at, n, flush=True)
        print("held", *held.execute(
            "select (select published_at from ops.publication), (select count(*) from marts.nft_scores)"
        ).fetchone(), flush=True)
    except Exception as error:
        print("error", str(error).replace("\\n", " "), flush=True)
    if done:
        break
    time.sleep(0.2)
"""


def test_a_reader_queries_marts_duckdb_while_a_build_runs(small_duckdb, duckdb_target, tmp_path):
    """Another process reads marts.duckdb the whole time a (scheduled) build with its publication runs."""
    target = recorded_full_audit(copy_duckdb(small_duckdb[0], duckdb_target, with_publication=True))
    published = marts_path(target)
    before = str(read_published(published)[0])
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        time.sleep(2)
        report = build(target, quiet=True, audit=True)
    finally:
        stop.touch()
        output = reader.communicate(timeout=60)[0].splitlines()
    assert report.success and report.publication is not None, report.error
    assert not [line for line in output if line.startswith("error")], output[:5]
    fresh = [line.split(" ", 1)[1] for line in output if line.startswith("fresh")]
    held = {line.split(" ", 1)[1] for line in output if line.startswith("held")}
    assert len(fresh) >= 10
    assert fresh[0].startswith(before) and fresh[0].endswith(" 2000")
    assert not fresh[-1].startswith(before) and fresh[-1].endswith(" 2000")  # the new publication, all at once
    assert held == {fresh[0]}  # the connection opened before the swap kept reading the previous file


def published_counts(path) -> dict[str, int]:
    connection = open_published(path)
    try:
        return {
            table: connection.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("marts.nft_scores", "marts.feed_projects")
        }
    finally:
        connection.close()


def test_a_build_of_a_selection_audits_and_publishes_only_what_it_built(small_duckdb, duckdb_target):
    """The scoring job's kind of build: its tables are audited and republished, every other table keeps its
    published version, even when the build file holds something its audit never saw."""
    target = copy_duckdb(small_duckdb[0], duckdb_target, with_publication=True)
    published = marts_path(target)
    before = published_counts(published)
    connection = duckdb.connect(str(target.duckdb_path))
    connection.execute("delete from marts.feed_projects")  # outside the selection: neither audited nor published
    # nft_scores is rebuilt from its history: without 5 NFTs' history it publishes 5 rows fewer
    connection.execute(
        "delete from marts.nft_score_history "
        "where nft_id in (select nft_id from marts.nft_scores order by nft_id limit 5)"
    )
    connection.close()
    report = build(target, select=["nft_scores"], quiet=True, audit=True)
    assert report.success and report.publication is not None, report.error
    assert report.quality.scope == ["marts.nft_scores"]
    assert {suite.name for suite in report.quality.suites} == {"marts.community"}
    assert {result.relation for suite in report.quality.suites for result in suite.results} == {"marts.nft_scores"}
    assert published_counts(published) == {**before, "marts.nft_scores": before["marts.nft_scores"] - 5}
    assert "marts.feed_projects" in report.publication.tables
    connection = open_published(published)
    try:
        assert connection.execute("select n_tables from ops.publication").fetchall() == [
            (len(report.publication.tables),)
        ]
        comment = "select comment from duckdb_tables() where schema_name = 'marts' and table_name = ?"
        assert connection.execute(comment, ["feed_projects"]).fetchone()[0]
        assert connection.execute(comment, ["nft_scores"]).fetchone()[0].startswith("What apps and analysts read")
    finally:
        connection.close()
    assert last_publication(target)["published_at"] > read_published(marts_path(small_duckdb[0]))[0]
