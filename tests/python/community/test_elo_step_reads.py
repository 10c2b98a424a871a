"""The Elo step reads the votes a range of event_seq at a time and codes their keys as they come, and rates and
hands them over a range of votes at a time: the ratings are the same as from one read and one pass, whatever
the ranges; codes given batch by batch name the same keys."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from warehouse.ratings import steps
from warehouse.ratings.elo import EloParams
from warehouse.ratings.encoding import KeyEncoder, encode_keys


def _votes(n: int = 3_000, seed: int = 7) -> pa.Table:
    """Votes of a community sequence shared with other events: every third event_seq is not a vote."""
    rng = np.random.default_rng(seed)
    seq = np.array([s for s in range(n * 3 // 2) if s % 3 != 2][:n], dtype=np.int64)
    winner = rng.integers(0, 40, n)
    loser = (winner + rng.integers(1, 40, n)) % 40
    return pa.table(
        {
            "event_seq": seq,
            "winner_nft_id": [f"nft_{i}" for i in winner],
            "loser_nft_id": [f"nft_{i}" for i in loser],
            "user_id": [f"user_{i}" for i in rng.integers(0, 25, n)],
            "is_super_vote": rng.random(n) < 0.05,
        }
    )


def test_ratings_are_the_same_whatever_the_read_and_rate_ranges(monkeypatch):
    con = duckdb.connect()
    votes = _votes()
    con.register("votes_rows", votes)
    con.execute("create table votes as select * from votes_rows order by event_seq desc")  # stored out of order
    params = EloParams.defaults()
    whole = steps.elo_step(con, "votes", params).read_all()
    assert whole.num_rows == votes.num_rows
    assert whole["event_seq"].to_pylist() == sorted(votes["event_seq"].to_pylist())
    for span in (1, 7, 1_000):
        monkeypatch.setattr(steps, "READ_SPAN", span)
        assert steps.elo_step(con, "votes", params).read_all().equals(whole), f"ranges of {span} event_seq"
    monkeypatch.setattr(steps, "READ_SPAN", 2_000_000)
    for span in (1, 7, 1_000):  # rated and handed over a range of votes at a time, each from the last's states
        monkeypatch.setattr(steps, "RATE_SPAN", span)
        assert steps.elo_step(con, "votes", params).read_all().equals(whole), f"rated {span} votes at a time"


@pytest.mark.parametrize("batches", [1, 2, 5])
def test_codes_given_batch_by_batch_name_the_same_keys(batches):
    votes = _votes(500)
    encoder = KeyEncoder()
    decoded = []
    for part in np.array_split(np.arange(votes.num_rows), batches):
        chunk = votes.take(pa.array(part))
        winner, loser = encoder.encode(chunk["winner_nft_id"], chunk["loser_nft_id"])
        decoded.append((winner, loser))
    names = encoder.dictionary.to_pylist()
    assert len(names) == len(set(names))
    assert [names[c] for w, _ in decoded for c in w] == votes["winner_nft_id"].to_pylist()
    assert [names[c] for _, lo in decoded for c in lo] == votes["loser_nft_id"].to_pylist()
    (winner, _), dictionary = encode_keys(votes["winner_nft_id"], votes["loser_nft_id"])
    assert [dictionary[c].as_py() for c in winner] == votes["winner_nft_id"].to_pylist()


def test_null_keys_are_refused():
    with pytest.raises(ValueError, match="must not be null"):
        KeyEncoder().encode(pa.array(["a", None]))
