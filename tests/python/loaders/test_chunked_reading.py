"""A clean CSV file is read a chunk at a time (`tabular.CSV_CHUNK_BYTES`), so reading never holds a whole large
file in Python; the rows, their line numbers and the bad rows are the same as when it is read whole."""

from __future__ import annotations

import pytest

from warehouse.loaders import tabular
from warehouse.loaders.run import load

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


def test_a_bad_row_in_a_later_chunk_is_found_with_the_file_read_line_by_line(target, tmp_path, small_chunks):
    rows = lines()
    rows[50] = rows[50] + ",extra"  # line 52 of the file
    path = tmp_path / "votes.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    report = load([path], target)
    assert report.ok and (report.files[0].rows_written, report.files[0].rows_rejected) == (ROWS - 1, 1)
    assert query(target, "select position, reason_code from raw.rejects") == [("line 52", "malformed_row")]
    assert landed(target) == [(f"v_{index:03d}", index + 2) for index in range(ROWS) if index != 50]
