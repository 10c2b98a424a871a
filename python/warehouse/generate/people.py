"""Users, shared by the community and discovery domains, with their hidden habits."""

from __future__ import annotations

import numpy as np
import polars as pl

from .clock import DAY_MS, iso
from .ids import format_ids
from .sampling import pareto_weights
from .text import handles

CONTRARIAN_SHARE = 0.05


def signup_times(rng: np.random.Generator, n: int, start: int, end: int, early_days: int = 180) -> np.ndarray:
    """Sign-up times: 30% before ``start`` (early adopters), the rest in [start, end - 1 day) with growth."""
    early = rng.random(n) < 0.3
    out = np.empty(n, dtype=np.int64)
    out[early] = start - (rng.random(int(early.sum())) * early_days * DAY_MS).astype(np.int64)
    span = max(end - DAY_MS - start, 1)
    late_n = int((~early).sum())
    out[~early] = start + (rng.random(late_n) ** (1 / 1.6) * span).astype(np.int64)
    return np.sort(out)


def make_users(
    rng: np.random.Generator, first_number: int, created: np.ndarray, taken_handles: pl.Series | None = None
) -> pl.DataFrame:
    """Users numbered from ``first_number`` in sign-up order; the truth table (landing columns derive from it)."""
    n = created.size
    numbers = np.arange(first_number, first_number + n)
    handle = handles(rng, n)
    taken = taken_handles if taken_handles is not None else pl.Series([], dtype=pl.String)
    clash = ~handle.is_first_distinct() | handle.is_in(taken.implode())
    handle = pl.select(
        pl.when(clash)
        .then(pl.concat_str([pl.lit(handle), pl.lit("_"), pl.lit(pl.Series(numbers).cast(pl.String))]))
        .otherwise(pl.lit(handle))
    ).to_series()
    return pl.DataFrame(
        {
            "user_id": format_ids("users", numbers),
            "handle": handle,
            "created_at_ms": created.astype(np.int64),
            "activity": pareto_weights(rng, n, alpha=1.1),
            "slider_bias": rng.normal(0.0, 8.0, n),
            "slider_noise": rng.lognormal(np.log(9.0), 0.35, n),
            "is_contrarian": rng.random(n) < CONTRARIAN_SHARE,
            "discrimination": rng.lognormal(0.0, 0.3, n),
            "super_rate": rng.beta(2.0, 38.0, n),
            "is_investor": np.zeros(n, dtype=bool),
        }
    )


def users_landing(users: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": users["user_id"],
            "handle": users["handle"],
            "created_at": iso(users["created_at_ms"]),
        }
    )
