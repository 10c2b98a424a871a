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
}


WITH_BAD_ROWS = set(TRICKY) - {"carriage returns"}


@pytest.mark.parametrize("case", TRICKY)
def test_a_file_read_in_small_chunks_lands_as_if_read_whole(tmp_path, monkeypatch, case):
    text = "\n".join([HEADER, *TRICKY[case]])
    whole = read_with_chunks(tmp_path, case, text, 1 << 30, monkeypatch)
    assert whole[0] and bool(whole[1]) == (case in WITH_BAD_ROWS)  # rows land, and the bad rows are found
    for chunk_bytes in (64, 300, 1000):
        assert read_with_chunks(tmp_path, case, text, chunk_bytes, monkeypatch) == whole, chunk_bytes
