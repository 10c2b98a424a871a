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

VOTE_COLUMNS = "event_seq, winner_nft_id, loser_nft_id, user_id, is_super_vote"
SLIDER_COLUMNS = "event_seq, user_id, nft_id, slider_value"
_KEYS = "__poa_state_keys"
_GAP = "__poa_state_gap"


def state_tables(dbt: Any, declared: list[str] | None) -> dict[str, str]:
    """The state tables a Python step reads, as its YAML declares them (`meta.reads_state_from`, which the
    model passes as `dbt.config.meta_get("reads_state_from")`; they are built from the step's own output,
    so `ref` would be a cycle): name → relation in the step's schema."""
    names = declared or []
    schema = f'"{dbt.this.database}"."{dbt.this.schema}"'
    return {name: f'{schema}."{name}"' for name in names}


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
    mark: int | None,
    state_table: str | None,
    state_select: str,
    gap_selects: list[str],
    values: list[str],
) -> pa.Table:
    """Latest (by event_seq) state values of `keys`: the state table's row, unless a newer row of the step's
    own output exists (`gap_selects`: queries over the registered gap view, rows after the state's mark).
    Every query produces columns (key, seq, *values); `mark` None means the state table is not used."""
    parts = [] if mark is None else [f"{state_select} from {state_table}"]
    parts += gap_selects
    parts = [f"select * from ({part}) as side where key in (select key from {_KEYS})" for part in parts]
    latest = ", ".join(f"arg_max({value}, seq) as {value}" for value in values)
    con.register(_KEYS, pa.table({"key": keys}))
    try:
        states = " union all ".join(parts)
        return con.sql(f"select key, {latest} from ({states}) as states group by key").to_arrow_table()
    finally:
        con.unregister(_KEYS)


def _ordered(batch: pa.Table) -> np.ndarray:
    """The permutation that puts a batch in event_seq order (read unordered: sorting ints here is far cheaper
    than sorting rows with their text columns in the engine)."""
    return np.argsort(batch["event_seq"].to_numpy(), kind="stable")


def elo_step(
    con,
    votes,
    params: EloParams,
    this: str | None = None,
    nft_state: str | None = None,
    voter_state: str | None = None,
) -> pa.Table:
    """Rates the votes of `votes` (a DuckDB relation over stg_community__votes) newer than the step's table
    `this` (None: a full refresh, all votes from the prior state). Returns event_seq and the computed values
    only; the vote's own attributes stay in staging (joined on event_seq), which keeps the write small."""
    hwm = high_water_mark(con, this)
    batch = votes.filter(f"event_seq > {hwm}").project(VOTE_COLUMNS).to_arrow_table()
    order = _ordered(batch)
    (winner, loser), nfts = encode_keys(batch["winner_nft_id"], batch["loser_nft_id"])
    (voter,), users = encode_keys(batch["user_id"])
    winner, loser, voter = winner[order], loser[order], voter[order]
    is_super = batch["is_super_vote"].to_numpy(zero_copy_only=False)[order]
    mu = np.full(len(nfts), params.mu)
    sigma = np.full(len(nfts), params.sigma)
    alpha = np.full(len(users), params.alpha0)
    beta_u = np.full(len(users), params.beta0)
    if this is not None and batch.num_rows:
        nft_mark = _state_mark(con, nft_state, "last_vote_seq", hwm)
        voter_mark = _state_mark(con, voter_state, "last_vote_seq", hwm)
        since = min(-1 if nft_mark is None else nft_mark, -1 if voter_mark is None else voter_mark)
        gap = con.sql(f"select * from {this} where event_seq > {since}").join(
            votes.filter(f"event_seq > {since} and event_seq <= {hwm}").project(VOTE_COLUMNS), "event_seq"
        )
        con.register(_GAP, gap)
        try:
            after_nft = f"from {_GAP} where event_seq > {-1 if nft_mark is None else nft_mark}"
            rated = _latest_state(
                con, nfts, nft_mark, nft_state,
                "select nft_id as key, last_vote_seq as seq, rating_mu, rating_sigma",
                [f"select winner_nft_id as key, event_seq as seq, winner_mu as rating_mu, "
                 f"winner_sigma as rating_sigma {after_nft}",
                 f"select loser_nft_id as key, event_seq as seq, loser_mu as rating_mu, "
                 f"loser_sigma as rating_sigma {after_nft}"],
                ["rating_mu", "rating_sigma"],
            )  # fmt: skip
            after_voter = f"from {_GAP} where event_seq > {-1 if voter_mark is None else voter_mark}"
            assessed = _latest_state(
                con, users, voter_mark, voter_state,
                "select user_id as key, last_vote_seq as seq, reliability_alpha, reliability_beta",
                ["select user_id as key, event_seq as seq, voter_alpha as reliability_alpha, "
                 f"voter_beta as reliability_beta {after_voter}"],
                ["reliability_alpha", "reliability_beta"],
            )  # fmt: skip
        finally:
            con.unregister(_GAP)
        mu = lookup(nfts, rated["key"], rated["rating_mu"].to_numpy(), params.mu)
        sigma = lookup(nfts, rated["key"], rated["rating_sigma"].to_numpy(), params.sigma)
        alpha = lookup(users, assessed["key"], assessed["reliability_alpha"].to_numpy(), params.alpha0)
        beta_u = lookup(users, assessed["key"], assessed["reliability_beta"].to_numpy(), params.beta0)
    result = rate_votes(winner, loser, voter, is_super, mu, sigma, alpha, beta_u, params)
    return pa.table(
        {
            "event_seq": batch["event_seq"].to_numpy()[order],
            "win_probability": result.win_probability,
            "vote_weight": result.weight,
            "winner_mu": result.winner_mu,
            "winner_sigma": result.winner_sigma,
            "loser_mu": result.loser_mu,
            "loser_sigma": result.loser_sigma,
            "voter_alpha": result.voter_alpha,
            "voter_beta": result.voter_beta,
        }
    )


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
    batch = sliders.filter(f"event_seq > {hwm}").project(SLIDER_COLUMNS).to_arrow_table()
    batch = batch.take(_ordered(batch))
    (user,), users = encode_keys(batch["user_id"])
    n0 = np.zeros(len(users))
    mean0 = np.zeros(len(users))
    m20 = np.zeros(len(users))
    if this is not None and batch.num_rows:
        mark = _state_mark(con, user_state, "last_slider_seq", hwm)
        con.register(_GAP, con.sql(f"select * from {this} where event_seq > {-1 if mark is None else mark}"))
        try:
            state = _latest_state(
                con, users, mark, user_state,
                "select user_id as key, last_slider_seq as seq, n_sliders, slider_mean, slider_m2",
                ["select user_id as key, event_seq as seq, user_n_sliders as n_sliders, "
                 f"user_slider_mean as slider_mean, user_slider_m2 as slider_m2 from {_GAP}"],
                ["n_sliders", "slider_mean", "slider_m2"],
            )  # fmt: skip
        finally:
            con.unregister(_GAP)
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
