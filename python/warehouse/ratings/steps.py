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

from typing import Any

import numpy as np
import pyarrow as pa

from warehouse.ratings.elo import EloParams, rate_votes
from warehouse.ratings.encoding import encode_keys, lookup
from warehouse.ratings.welford import SliderPrior, calibrate_sliders

VOTE_COLUMNS = "event_seq, event_id, user_id, winner_nft_id, loser_nft_id, is_super_vote, occurred_at"
SLIDER_COLUMNS = "event_seq, event_id, user_id, nft_id, slider_value, occurred_at"
_KEYS = "__poa_state_keys"


def as_float(name: str, value: Any) -> float:
    """A numeric setting from a dbt config (rendered vars may arrive as text); refuses anything else."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"setting {name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"setting {name} must be a number, got {value!r}") from None


def as_bool(name: str, value: Any) -> bool:
    """A boolean setting from a dbt config: a bool, or the text true/false (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"setting {name} must be true or false, got {value!r}")


def high_water_mark(con, this: str | None) -> int:
    """The largest event_seq in the step's table; -1 in a full refresh (`this` None) or when empty."""
    if this is None:
        return -1
    return int(con.sql(f"select coalesce(max(event_seq), -1) from {this}").fetchone()[0])


def _table_exists(con, relation: str) -> bool:
    parts = [part.strip('"') for part in relation.split(".")]
    database, schema, name = ([None] * (3 - len(parts)) + parts)[-3:]
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    args = [schema, name]
    if database:
        sql += " and table_catalog = ?"
        args.append(database)
    return con.execute(sql, args).fetchone()[0] > 0


def _state_mark(con, state_table: str | None, mark_column: str, hwm: int) -> int | None:
    """The event_seq up to which `state_table` holds the state, or None when it cannot be used."""
    if state_table is None or not _table_exists(con, state_table):
        return None
    mark = int(con.sql(f"select coalesce(max({mark_column}), -1) from {state_table}").fetchone()[0])
    return mark if mark <= hwm else None


def _latest_state(
    con,
    keys: pa.Array,
    this: str,
    hwm: int,
    state_table: str | None,
    state_select: str,
    mark_column: str,
    this_selects: list[str],
    values: list[str],
) -> pa.Table:
    """Latest (by event_seq) state values of `keys`: the state table's row, unless a row of the step's own
    table newer than the state's mark exists. Selects produce columns (key, seq, *values)."""
    mark = _state_mark(con, state_table, mark_column, hwm)
    parts = [] if mark is None else [f"{state_select} from {state_table} where key in (select key from {_KEYS})"]
    since = -1 if mark is None else mark
    parts += [
        f"select * from ({select} from {this} where event_seq > {since}) as side "
        f"where key in (select key from {_KEYS})"
        for select in this_selects
    ]
    latest = ", ".join(f"arg_max({value}, seq) as {value}" for value in values)
    con.register(_KEYS, pa.table({"key": keys}))
    try:
        states = " union all ".join(parts)
        return con.sql(f"select key, {latest} from ({states}) as states group by key").to_arrow_table()
    finally:
        con.unregister(_KEYS)


def elo_step(
    con,
    votes,
    params: EloParams,
    this: str | None = None,
    nft_state: str | None = None,
    voter_state: str | None = None,
) -> pa.Table:
    """Rates the votes of `votes` (a DuckDB relation over stg_community__votes) newer than the step's table
    `this` (None: a full refresh, all votes from the prior state)."""
    hwm = high_water_mark(con, this)
    batch = votes.filter(f"event_seq > {hwm}").order("event_seq").project(VOTE_COLUMNS).to_arrow_table()
    (winner, loser), nfts = encode_keys(batch["winner_nft_id"], batch["loser_nft_id"])
    (voter,), users = encode_keys(batch["user_id"])
    mu = np.full(len(nfts), params.mu)
    sigma = np.full(len(nfts), params.sigma)
    alpha = np.full(len(users), params.alpha0)
    beta_u = np.full(len(users), params.beta0)
    if this is not None and batch.num_rows:
        rated = _latest_state(
            con, nfts, this, hwm, nft_state,
            "select nft_id as key, last_vote_seq as seq, rating_mu, rating_sigma", "last_vote_seq",
            [
                "select winner_nft_id as key, event_seq as seq, winner_mu as rating_mu, winner_sigma as rating_sigma",
                "select loser_nft_id as key, event_seq as seq, loser_mu as rating_mu, loser_sigma as rating_sigma",
            ],
            ["rating_mu", "rating_sigma"],
        )  # fmt: skip
        mu = lookup(nfts, rated["key"], rated["rating_mu"].to_numpy(), params.mu)
        sigma = lookup(nfts, rated["key"], rated["rating_sigma"].to_numpy(), params.sigma)
        assessed = _latest_state(
            con, users, this, hwm, voter_state,
            "select user_id as key, last_vote_seq as seq, reliability_alpha, reliability_beta", "last_vote_seq",
            ["select user_id as key, event_seq as seq, voter_alpha as reliability_alpha, "
             "voter_beta as reliability_beta"],
            ["reliability_alpha", "reliability_beta"],
        )  # fmt: skip
        alpha = lookup(users, assessed["key"], assessed["reliability_alpha"].to_numpy(), params.alpha0)
        beta_u = lookup(users, assessed["key"], assessed["reliability_beta"].to_numpy(), params.beta0)
    is_super = batch["is_super_vote"].to_numpy(zero_copy_only=False)
    result = rate_votes(winner, loser, voter, is_super, mu, sigma, alpha, beta_u, params)
    outputs = {
        "win_probability": result.win_probability,
        "reliability_multiplier": result.multiplier,
        "vote_weight": result.weight,
        "winner_mu": result.winner_mu,
        "winner_sigma": result.winner_sigma,
        "loser_mu": result.loser_mu,
        "loser_sigma": result.loser_sigma,
        "voter_alpha": result.voter_alpha,
        "voter_beta": result.voter_beta,
        "voter_reliability": result.voter_reliability,
    }
    for name, values in outputs.items():
        batch = batch.append_column(name, pa.array(values, type=pa.float64()))
    return batch


def welford_step(
    con,
    sliders,
    prior: SliderPrior,
    this: str | None = None,
    user_state: str | None = None,
) -> pa.Table:
    """Calibrates the sliders of `sliders` (a DuckDB relation over stg_community__sliders) newer than the
    step's table `this` (None: a full refresh)."""
    hwm = high_water_mark(con, this)
    batch = sliders.filter(f"event_seq > {hwm}").order("event_seq").project(SLIDER_COLUMNS).to_arrow_table()
    (user,), users = encode_keys(batch["user_id"])
    n0 = np.zeros(len(users))
    mean0 = np.zeros(len(users))
    m20 = np.zeros(len(users))
    if this is not None and batch.num_rows:
        state = _latest_state(
            con, users, this, hwm, user_state,
            "select user_id as key, last_slider_seq as seq, n_sliders, slider_mean, slider_m2", "last_slider_seq",
            ["select user_id as key, event_seq as seq, user_n_sliders as n_sliders, "
             "user_slider_mean as slider_mean, user_slider_m2 as slider_m2"],
            ["n_sliders", "slider_mean", "slider_m2"],
        )  # fmt: skip
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
