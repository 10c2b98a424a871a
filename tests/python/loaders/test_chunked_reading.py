"""A CSV file is read a chunk at a time (`tabular.CSV_CHUNK_BYTES`, cut where a record ends), so reading never
holds a whole large file in Python; the rows, their line numbers and the bad rows are the same as when it is read
whole."""

from __future__ import annotations

import pytest

from warehouse.loaders import tabular
from warehouse.loaders.run import load
from warehouse.settings import target_from_env

from landing import VOTE_COLUMNS, query, vote

HEADER = ",".join(VOTE_COLUMNS)
ROWS = 60


def lines(count: int = ROWS) -> list[str]:
    return [",".join(vote(f"v_{index:03d}", at=f"2026-03-01T12:{index % 60:02d}:00Z")) for index in range(count)]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few lines, and a count of the chunks the one-pass reader parsed."""
    calls = []
    read = tabular._read_uniform

    def counted(*args, **kwargs):
        calls.append(args[-1])  # the chunk's first line
        return read(*args, **kwargs)

    monkeypatch.setattr(tabular, "CSV_CHUNK_BYTES", 500)
    monkeypatch.setattr(tabular, "_read_uniform", counted)
    return calls


def landed(target) -> list[tuple]:
    return query(target, "select event_id, source_position from raw.votes order by source_position")


def test_a_clean_csv_lands_chunk_by_chunk_with_its_line_numbers(target, tmp_path, small_chunks):
    path = tmp_path / "votes.csv"
    path.write_text("\n".join([HEADER, *lines()]))  # no line end after the last row
    report = load([path], target)
    assert report.ok and report.files[0].rows_written == ROWS
    assert len(small_chunks) > 5 and small_chunks[0] == 2  # read in chunks, the first after the header
    assert landed(target) == [(f"v_{index:03d}", index + 2) for index in range(ROWS)]


def test_a_bad_row_in_a_later_chunk_is_found_with_its_chunk_read_line_by_line(target, tmp_path, small_chunks):
    rows = lines()
    rows[50] = rows[50] + ",extra"  # line 52 of the file
    path = tmp_path / "votes.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    report = load([path], target)
    assert report.ok and (report.files[0].rows_written, report.files[0].rows_rejected) == (ROWS - 1, 1)
    assert query(target, "select position, reason_code from raw.rejects") == [("line 52", "malformed_row")]
    assert landed(target) == [(f"v_{index:03d}", index + 2) for index in range(ROWS) if index != 50]


def read_with_chunks(tmp_path, name: str, text: str, chunk_bytes: int, monkeypatch) -> tuple[list, list]:
    """(landed rows, rejects) of a file loaded into a new DuckDB warehouse, read `chunk_bytes` at a time."""
    monkeypatch.setattr(tabular, "CSV_CHUNK_BYTES", chunk_bytes)
    path = tmp_path / f"{name}-{chunk_bytes}" / "votes.csv"
    path.parent.mkdir()
    path.write_text(text)
    target = target_from_env("duckdb", {"WAREHOUSE_DUCKDB_PATH": str(path.parent / "warehouse.duckdb")})
    assert load([path], target).ok
    rows = query(target, "select * exclude (source_file, run_id, loaded_at) from raw.votes order by source_position")
    rejected = query(target, "select position, reason_code, reason, raw_text from raw.rejects order by position")
    return rows, rejected


QUOTED = ",".join(vote("v_q", at="2026-03-01T12:30:00Z")).replace("normal", '"normal"')
SPANNING = ",".join(vote("v_s", at="2026-03-01T12:31:00Z")).replace("nft_1,", '"nft_1\n",', 1)
TRICKY = {
    "quoted fields, one spanning two lines": [*lines(20), QUOTED, SPANNING, *lines(20)[::-1], SPANNING],
    "a stray quote closed by a later one": [
        *lines(10),
        'v_x,u_1,nft_1,"nft_2,nft_1,normal',
        *lines(5),
        'a"b',
        *lines(9),
    ],
    "a quote left open": [*lines(10), 'v_x,u_1,nft_1,"nft_2,nft_1,normal,2026-03-01T12:00:00Z', *lines(30)],
    "blank lines and a truncated last line": [*lines(10), "", "  ", *lines(20), "v_t,u_1,nft_1"],
    "carriage returns": [line + "\r" for line in lines(30)],
    "strictly quoted fields, with commas and doubled quotes": [
        line.replace("u_1", '"u,""1"""') if index % 3 == 0 else line for index, line in enumerate(lines(30))
    ],
}


WITH_BAD_ROWS = set(TRICKY) - {"carriage returns", "strictly quoted fields, with commas and doubled quotes"}


@pytest.mark.parametrize("case", TRICKY)
def test_a_file_read_in_small_chunks_lands_as_if_read_whole(tmp_path, monkeypatch, case):
    text = "\n".join([HEADER, *TRICKY[case]])
    whole = read_with_chunks(tmp_path, case, text, 1 << 30, monkeypatch)
    assert whole[0] and bool(whole[1]) == (case in WITH_BAD_ROWS)  # rows land, and the bad rows are found
    for chunk_bytes in (64, 300, 1000):
        assert read_with_chunks(tmp_path, case, text, chunk_bytes, monkeypatch) == whole, chunk_bytes


def test_strictly_quoted_fields_are_split_in_one_pass_as_the_line_by_line_reader_splits_them(tmp_path, monkeypatch):
    """Quoted fields (a message's body) need not send their chunk to Python's csv module line by line: when every
    quote is part of a field quoted whole, Arrow's reader splits the chunk, into the same values."""
    text = "\n".join([HEADER, *TRICKY["strictly quoted fields, with commas and doubled quotes"]]) + "\n"
    split, read = [], tabular._read_uniform

    def recorded(*args, **kwargs):
        table = read(*args, **kwargs)
        split.append(table is not None)
        return table

    monkeypatch.setattr(tabular, "_read_uniform", recorded)
    one_pass = read_with_chunks(tmp_path, "one-pass", text, 1 << 30, monkeypatch)
    assert split == [True]
    monkeypatch.setattr(tabular, "_read_uniform", lambda *args, **kwargs: None)
    assert read_with_chunks(tmp_path, "line-by-line", text, 1 << 30, monkeypatch) == one_pass
    assert [row[1] for row in one_pass[0][:4]] == ['u,"1"', "u_1", "u_1", 'u,"1"'] and one_pass[1] == []
    # a stray quote (in an unquoted field) sends the chunk line by line, which rejects that row alone
    split.clear()
    monkeypatch.setattr(tabular, "_read_uniform", recorded)
    rows, rejected = read_with_chunks(
        tmp_path, "stray", text.replace("v_001,u_1", 'v_001,u"1', 1), 1 << 30, monkeypatch
    )
    assert split == [False] and len(rows) == len(one_pass[0]) - 1
    assert [(position, code) for position, code, *_ in rejected] == [("line 3", "malformed_row")]
