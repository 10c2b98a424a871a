"""The Elo and Welford steps as warehouse operations: the I/O edge that the dbt Python models call.

Each step reads the events landed since its own last run (high-water mark on `event_seq` in the model's
table), in `event_seq` order, with the state the previous runs ended with, runs its kernel, and returns
one Arrow row per event. The state is never rebuilt from history:

- the per-NFT and per-user state models downstream of the step (`int_nfts_rated`, `int_voters_assessed`,
  `int_users_calibrated`) hold the latest state of every key; only the keys in the new batch are read;
- if such a state table lags behind the step's own table (it was not rebuilt after the step's last run),
  the rows of the step's table newer than the state's mark fill the gap; if it is missing or ahead of the
  step's table, the step's own rows are the state (slow, but never wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.python_steps.engine import engine_for, in_event_order
from warehouse.ratings.elo import EloParams, rate_votes
from warehouse.ratings.encoding import KeyEncoder, encode_keys, lookup
from warehouse.ratings.welford import SliderPrior, calibrate_sliders

VOTE_COLUMNS = ["event_seq", "winner_nft_id", "loser_nft_id", "user_id", "is_super_vote"]
SLIDER_COLUMNS = ["event_seq", "user_id", "nft_id", "slider_value"]
RATED_COLUMNS = ["event_seq", "winner_mu", "winner_sigma", "loser_mu", "loser_sigma", "voter_alpha", "voter_beta"]
CALIBRATED_COLUMNS = ["event_seq", "user_id", "user_n_sliders", "user_slider_mean", "user_slider_m2"]


def state_tables(dbt: Any, declared: list[str] | None) -> dict[str, str]:
    """The state tables a Python step reads, as its YAML declares them (`meta.reads_state_from`, which the
    model passes as `dbt.config.meta_get("reads_state_from")`; they are built from the step's own output,
    so `ref` would be a cycle): name → relation in the step's schema."""
    names = declared or []
    schema = f'"{dbt.this.database}"."{dbt.this.schema}"'
    return {name: f'{schema}."{name}"' for name in names}


def _state_mark(engine, state_table: str | None, mark_column: str, hwm: int) -> int | None:
    """The event_seq up to which `state_table` holds the state, or None when it cannot be used."""
    if state_table is None or not engine.exists(state_table):
        return None
    mark = engine.high_water_mark(state_table, mark_column)
    return mark if mark <= hwm else None


def _latest(parts: list[pa.Table], values: list[str]) -> pa.Table:
    """Per key, the values of its row with the largest seq among `parts` (tables of key, seq, *values)."""
    schema = pa.schema([("key", pa.string()), ("seq", pa.int64()), *((value, pa.float64()) for value in values)])
    table = pa.concat_tables([part.select(schema.names).cast(schema) for part in parts])
    if table.num_rows == 0:
        return table
    codes = pc.dictionary_encode(table["key"].combine_chunks()).indices.to_numpy(zero_copy_only=False)
    order = np.lexsort((table["seq"].to_numpy(), codes))
    ordered = codes[order]
    last = np.append(ordered[1:] != ordered[:-1], True)
    return table.take(order[last])


def _state(table: pa.Table, key: str, seq: str, columns: list[str], values: list[str]) -> pa.Table:
    """Candidate state rows (key, seq, *values): the given columns of `table`, renamed."""
    return pa.table([table[key], table[seq], *(table[column] for column in columns)], names=["key", "seq", *values])


def _stored(
    engine, state_table, mark: int | None, key: str, keys: pa.Array, values: list[str], mark_column="last_vote_seq"
) -> list[pa.Table]:
    """The state table's rows of `keys` as candidates (none when its mark said it cannot be used)."""
    if mark is None:
        return []
    rows = engine.read_keys(state_table, [key, mark_column, *values], key, keys)
    return [_state(rows, key, mark_column, values, values)]


@dataclass
class _CodedVotes:
    """The votes the Elo step rates, in event_seq order, their keys as codes into `nfts` and `users`."""

    event_seq: np.ndarray
    winner: np.ndarray
    loser: np.ndarray
    voter: np.ndarray
    is_super: np.ndarray
    nfts: pa.Array
    users: pa.Array


def _coded_votes(engine, votes, after: int) -> _CodedVotes:
    """The votes after `after`, read a range of event_seq at a time and coded as they come: the key strings of
    10M votes (about 500 MB as Arrow, and as much again in the engine while it hands them over) are never all
    held at once, only their codes."""
    nft_codes, user_codes = KeyEncoder(), KeyEncoder()
    parts: list[tuple[np.ndarray, ...]] = []
    newest = engine.high_water_mark(votes, after=after)
    for start in range(after, newest, READ_SPAN):
        batch = engine.read_new(votes, VOTE_COLUMNS, after=start, upto=min(start + READ_SPAN, newest))
        winner, loser = nft_codes.encode(batch["winner_nft_id"], batch["loser_nft_id"])
        (voter,) = user_codes.encode(batch["user_id"])
        is_super = batch["is_super_vote"].to_numpy(zero_copy_only=False).astype(bool)
        parts.append((batch["event_seq"].to_numpy(zero_copy_only=False), winner, loser, voter, is_super))
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)] if parts else _NO_VOTES
    return _CodedVotes(*columns, nfts=nft_codes.dictionary, users=user_codes.dictionary)


#: The event_seq range the Elo step reads at a time (each range comes in event_seq order).
READ_SPAN = 2_000_000
_NO_VOTES = [np.zeros(0, dtype=np.int64)] * 4 + [np.zeros(0, dtype=bool)]


def elo_step(
    session,
    votes,
    params: EloParams,
    this: str | None = None,
    nft_state: str | None = None,
    voter_state: str | None = None,
) -> pa.RecordBatchReader:
    """Rates the votes of `votes` (stg_community__votes) newer than the step's table `this` (None: a full refresh,
    all votes from the prior state). `session` is a StepEngine or a DuckDB connection. Returns event_seq and the
    computed values only, as a stream of ranges of votes rated as it is read (RATE_SPAN); the vote's own
    attributes stay in staging (joined on event_seq), which keeps the write small."""
    engine = engine_for(session)
    hwm = -1 if this is None else engine.high_water_mark(this)
    batch = _coded_votes(engine, votes, hwm)
    event_seq, winner, loser, voter, is_super = batch.event_seq, batch.winner, batch.loser, batch.voter, batch.is_super
    nfts, users = batch.nfts, batch.users
    mu = np.full(len(nfts), params.mu)
    sigma = np.full(len(nfts), params.sigma)
    alpha = np.full(len(users), params.alpha0)
    beta_u = np.full(len(users), params.beta0)
    if this is not None and len(event_seq):
        nft_mark = _state_mark(engine, nft_state, "last_vote_seq", hwm)
        voter_mark = _state_mark(engine, voter_state, "last_vote_seq", hwm)
        nft_after = -1 if nft_mark is None else nft_mark
        voter_after = -1 if voter_mark is None else voter_mark
        since = min(nft_after, voter_after)
        gap = engine.read_new(this, RATED_COLUMNS, after=since)  # the step's rows the state tables lack
        events = engine.read_new(votes, VOTE_COLUMNS, after=since if gap.num_rows else hwm, upto=hwm)
        gap = in_event_order(gap.join(events, "event_seq", join_type="inner"))
        rating = ["rating_mu", "rating_sigma"]
        rated = _stored(engine, nft_state, nft_mark, "nft_id", nfts, rating)
        after_nft = gap.filter(pc.field("event_seq") > nft_after)
        for side in ("winner", "loser"):
            rated.append(_state(after_nft, f"{side}_nft_id", "event_seq", [f"{side}_mu", f"{side}_sigma"], rating))
        rated = _latest(rated, rating)
        reliability = ["reliability_alpha", "reliability_beta"]
        assessed = _stored(engine, voter_state, voter_mark, "user_id", users, reliability)
        after_voter = gap.filter(pc.field("event_seq") > voter_after)
        assessed.append(_state(after_voter, "user_id", "event_seq", ["voter_alpha", "voter_beta"], reliability))
        assessed = _latest(assessed, reliability)
        mu = lookup(nfts, rated["key"], rated["rating_mu"].to_numpy(), params.mu)
        sigma = lookup(nfts, rated["key"], rated["rating_sigma"].to_numpy(), params.sigma)
        alpha = lookup(users, assessed["key"], assessed["reliability_alpha"].to_numpy(), params.alpha0)
        beta_u = lookup(users, assessed["key"], assessed["reliability_beta"].to_numpy(), params.beta0)
    return pa.RecordBatchReader.from_batches(
        RATED_SCHEMA, _rated_ranges(event_seq, winner, loser, voter, is_super, mu, sigma, alpha, beta_u, params)
    )


#: The votes the Elo step rates and hands over at a time: its output (nine 8-byte columns a vote) is written a
#: range at a time, never held for all the votes of a full refresh at once.
RATE_SPAN = 1_000_000
RATED_SCHEMA = pa.schema(
    [("event_seq", pa.int64())]
    + [
        (name, pa.float64())
        for name in (
            "win_probability",
            "vote_weight",
            "winner_mu",
            "winner_sigma",
            "loser_mu",
            "loser_sigma",
            "voter_alpha",
            "voter_beta",
        )
    ]
)


def _rated_ranges(event_seq, winner, loser, voter, is_super, mu, sigma, alpha, beta_u, params: EloParams):
    """The votes rated RATE_SPAN at a time, in order, each range from the states the previous one ended in."""
    for start in range(0, len(event_seq), RATE_SPAN):
        span = slice(start, start + RATE_SPAN)
        result = rate_votes(winner[span], loser[span], voter[span], is_super[span], mu, sigma, alpha, beta_u, params)
        mu, sigma, alpha, beta_u = result.nft_mu, result.nft_sigma, result.user_alpha, result.user_beta
        yield pa.record_batch(
            [
                pa.array(event_seq[span], type=pa.int64()),
                result.win_probability,
                result.weight,
                result.winner_mu,
                result.winner_sigma,
                result.loser_mu,
                result.loser_sigma,
                result.voter_alpha,
                result.voter_beta,
            ],
            schema=RATED_SCHEMA,
        )


def welford_step(
    session,
    sliders,
    prior: SliderPrior,
    this: str | None = None,
    user_state: str | None = None,
) -> pa.Table:
    """Calibrates the sliders of `sliders` (stg_community__sliders) newer than the step's table `this` (None: a
    full refresh). `session` is a StepEngine or a DuckDB connection."""
    engine = engine_for(session)
    hwm = -1 if this is None else engine.high_water_mark(this)
    batch = engine.read_new(sliders, SLIDER_COLUMNS, after=hwm)
    (user,), users = encode_keys(batch["user_id"])
    n0 = np.zeros(len(users))
    mean0 = np.zeros(len(users))
    m20 = np.zeros(len(users))
    if this is not None and batch.num_rows:
        mark = _state_mark(engine, user_state, "last_slider_seq", hwm)
        values = ["n_sliders", "slider_mean", "slider_m2"]
        parts = _stored(engine, user_state, mark, "user_id", users, values, mark_column="last_slider_seq")
        own = engine.read_new(this, CALIBRATED_COLUMNS, after=-1 if mark is None else mark)
        own_values = ["user_n_sliders", "user_slider_mean", "user_slider_m2"]
        parts.append(_state(own, "user_id", "event_seq", own_values, values))
        state = _latest(parts, values)
        n0 = lookup(users, state["key"], state["n_sliders"].to_numpy(), 0.0)
        mean0 = lookup(users, state["key"], state["slider_mean"].to_numpy(), 0.0)
        m20 = lookup(users, state["key"], state["slider_m2"].to_numpy(), 0.0)
    values = batch["slider_value"].to_numpy(zero_copy_only=False)
    result = calibrate_sliders(user, values, n0, mean0, m20, prior)
    outputs = {
        "shrunk_mean": pa.array(result.shrunk_mean, type=pa.float64()),
        "shrunk_sd": pa.array(result.shrunk_sd, type=pa.float64()),
        "slider_z": pa.array(result.z, type=pa.float64()),
        "user_n_sliders": pa.array(result.n_after.astype(np.int64), type=pa.int64()),
        "user_slider_mean": pa.array(result.mean_after, type=pa.float64()),
        "user_slider_m2": pa.array(result.m2_after, type=pa.float64()),
    }
    for name, array in outputs.items():
        batch = batch.append_column(name, array)
    return batch
