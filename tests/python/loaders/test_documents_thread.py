"""Documents (epochs, rosters) are parsed in a thread of their own while the tabular files are read and validated:
the load lands the same rows either way, and a load that fails while documents are still being read stops reading
them at once and lands nothing."""

from __future__ import annotations

import threading
import time

import pytest

from warehouse.loaders import documents, run, tabular
from warehouse.loaders.run import load

from landing import VOTE_COLUMNS, epoch_document, query, raw_fingerprint, vote, write_csv, write_jsonl

EPOCHS = 200


@pytest.fixture
def landing(tmp_path):
    write_jsonl(tmp_path / "epochs.jsonl", [epoch_document(epoch) for epoch in range(EPOCHS)])
    write_csv(tmp_path / "votes.csv", VOTE_COLUMNS, [vote(f"v_{index:03d}") for index in range(50)])
    return tmp_path


def test_documents_are_read_beside_the_tabular_files_and_land_with_them(target, landing, monkeypatch):
    threads = {}
    read_epochs, read_text_table = documents.read_epochs, tabular.read_text_table

    def recorded(name, read):
        def reader(*args, **kwargs):
            threads[name] = threading.current_thread()
            return read(*args, **kwargs)

        return reader

    monkeypatch.setattr(documents, "read_epochs", recorded("epochs", read_epochs))
    monkeypatch.setattr(tabular, "read_text_table", recorded("votes", read_text_table))
    report = load([landing], target)
    assert report.ok
    assert {(f.source, f.rows_written) for f in report.files} == {("epochs", EPOCHS), ("votes", 50)}
    assert threads["votes"] is threading.main_thread() and threads["epochs"] is not threading.main_thread()
    assert query(target, "select count(*), count(distinct epoch) from raw.epochs") == [(EPOCHS, EPOCHS)]
    assert query(target, "select count(*) from raw.votes") == [(50,)]


def test_a_load_failing_while_documents_are_read_stops_reading_them_and_lands_nothing(target, landing, monkeypatch):
    before = raw_fingerprint(target)
    parsed = []
    all_documents = documents._all_documents

    def slowly(path, fmt):
        for document in all_documents(path, fmt):
            time.sleep(0.05)  # 200 documents: 10 s, unless the reading stops
            parsed.append(document)
            yield document

    def failing(*args, **kwargs):
        time.sleep(0.3)  # the documents' thread is well under way
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(documents, "_all_documents", slowly)
    monkeypatch.setattr(run.tabular, "read_text_table", failing)
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="the disk went away"):
        load([landing], target)
    assert time.perf_counter() - started < 5
    assert 0 < len(parsed) < EPOCHS
    assert raw_fingerprint(target) == before
