"""Project upvotes: ``up`` once per (user, project), later ``remove`` / re-``up`` cycles on some pairs."""

from __future__ import annotations

import numpy as np
import polars as pl

from .clock import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, arrival_order, iso, sample_times
from .ids import format_ids
from .sampling import active_cdf, draw, unique_first

EXTRA_SHARE = 0.1  # events beyond first ups: removes and re-ups
BURST_SHARE = 0.6  # ups in the weeks after a project launches
BURST_MEAN_DAYS = 10.0


def pair_keys(user: np.ndarray, project: np.ndarray) -> np.ndarray:
    return (user.astype(np.int64) << 32) | project.astype(np.int64)


def split_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return keys >> 32, keys & 0xFFFFFFFF


def _first_ups(
    rng: np.random.Generator, users: pl.DataFrame, projects: pl.DataFrame, n: int, t0: int, t1: int, taken: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to ``n`` new (user, project, time) ups on pairs not in ``taken`` (pairs currently up)."""
    u_created = users["created_at_ms"].to_numpy()
    p_created = projects["created_at_ms"].to_numpy()
    end = t1 - MINUTE_MS
    ucdf = active_cdf(users["activity"].to_numpy(), u_created, t0, end)
    pcdf = active_cdf(projects["popularity"].to_numpy(), p_created, t0, end)
    taken = np.sort(taken)
    keys_out: list[np.ndarray] = []
    have = 0
    for _ in range(12):
        need = n - have
        if need <= 0 or ucdf[-1] <= 0 or pcdf[-1] <= 0:
            break
        m = int(need * 1.3) + 16
        u = draw(rng, ucdf, m)
        p = draw(rng, pcdf, m)
        ok = np.maximum(u_created[u], p_created[p]) < end
        keys = pair_keys(u[ok], p[ok])
        keys = keys[unique_first(keys)]
        keys = keys[~np.isin(keys, taken, assume_unique=False)][:need]
        keys_out.append(keys)
        taken = np.union1d(taken, keys)
        have += keys.size
    keys = np.concatenate(keys_out) if keys_out else np.empty(0, dtype=np.int64)
    user, project = split_keys(keys)
    lo = np.maximum(np.maximum(u_created[user], p_created[project]), t0)
    burst = rng.random(keys.size) < BURST_SHARE
    hi = np.where(
        burst, np.minimum(end, lo + ((rng.exponential(BURST_MEAN_DAYS, keys.size) + 1) * DAY_MS).astype(np.int64)), end
    )
    return user, project, sample_times(rng, lo, hi)


def _extra_pairs(rng: np.random.Generator, eligible: np.ndarray, n_fresh: int, n: int) -> np.ndarray:
    """Pool positions for ``n`` remove/re-up events: half on this batch's ups, half on standing history."""
    fresh = eligible[eligible < n_fresh]
    old = eligible[eligible >= n_fresh]
    if n <= 0 or eligible.size == 0:
        return np.empty(0, dtype=np.int64)
    if fresh.size == 0 or old.size == 0:
        return eligible[rng.integers(0, eligible.size, n)]
    from_fresh = rng.random(n) < 0.5
    return np.where(from_fresh, fresh[rng.integers(0, fresh.size, n)], old[rng.integers(0, old.size, n)])


def upvotes(
    rng: np.random.Generator,
    users: pl.DataFrame,
    projects: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
    state: np.ndarray,
) -> tuple[pl.DataFrame, np.ndarray]:
    """``n`` upvote events in [t0, t1) given ``state`` (pair keys currently up); returns events and new state.

    A ``remove`` always follows an ``up`` by the same user on the same project (earlier in this batch or
    still standing from history); events are written in arrival order.
    """
    user, project, t = _first_ups(rng, users, projects, int(round(n / (1 + EXTRA_SHARE))), t0, t1, state)
    n_extra = n - user.size
    hist_user, hist_project = split_keys(state)
    pool_user = np.concatenate([user, hist_user])
    pool_project = np.concatenate([project, hist_project])
    pool_time = np.concatenate([t, np.full(state.size, t0 - SECOND_MS, dtype=np.int64)])
    eligible = np.flatnonzero(pool_time < t1 - HOUR_MS)
    pick = _extra_pairs(rng, eligible, user.size, n_extra)
    extra_time = sample_times(rng, pool_time[pick] + SECOND_MS, t1) if pick.size else np.empty(0, np.int64)
    order = np.lexsort((extra_time, pick))
    pick, extra_time = pick[order], extra_time[order]
    group_start = np.r_[0, np.flatnonzero(np.diff(pick)) + 1]
    rank = np.arange(pick.size) - np.repeat(group_start, np.diff(np.r_[group_start, pick.size]))
    extra_action_up = rank % 2 == 1  # the first extra of a pair removes its up, the next re-ups, ...
    counts = np.bincount(pick, minlength=pool_user.size)
    standing = counts % 2 == 0
    new_state = np.sort(pair_keys(pool_user[standing], pool_project[standing]))

    all_user = np.concatenate([user, pool_user[pick]])
    all_project = np.concatenate([project, pool_project[pick]])
    all_time = np.concatenate([t, extra_time])
    all_up = np.concatenate([np.ones(user.size, dtype=bool), extra_action_up])
    arrival = arrival_order(rng, all_time)
    count = all_user.size
    return pl.DataFrame(
        {
            "event_id": format_ids("upvotes", np.arange(first_number, first_number + count)),
            "user_id": users["user_id"].gather(all_user[arrival]),
            "project_id": projects["project_id"].gather(all_project[arrival]),
            "action": pl.Series(np.where(all_up[arrival], "up", "remove")),
            "occurred_at": iso(all_time[arrival]),
        }
    ), new_state
