"""World time: a fixed start, a daily activity cycle, late arrivals, ISO-8601 formatting."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import polars as pl

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

WORLD_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
WORLD_START_MS = int(WORLD_START.timestamp()) * SECOND_MS

ISO_Z = "%Y-%m-%dT%H:%M:%S%.3fZ"
ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.3f"

LATE_SHARE = 0.015


def _hour_weights() -> np.ndarray:
    hours = np.arange(24)

    def bump(center: float, width: float) -> np.ndarray:
        dist = np.minimum(np.abs(hours - center), 24 - np.abs(hours - center))
        return np.exp(-0.5 * (dist / width) ** 2)

    weights = 0.25 + 1.2 * bump(20, 2.5) + 0.45 * bump(13, 2.5)
    return weights / weights.sum()


HOUR_WEIGHTS = _hour_weights()
HOUR_CDF = np.cumsum(HOUR_WEIGHTS)


def _day_weights(first_day: int, last_day: int) -> np.ndarray:
    days = np.arange(first_day, last_day + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return np.where(weekday >= 5, 1.2, 1.0)


def sample_times(
    rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, size: int | None = None
) -> np.ndarray:
    """Draw epoch-millisecond times in [lo, hi) with weekly and evening-peaked daily cycles.

    ``lo`` and ``hi`` broadcast; every ``hi`` must exceed its ``lo``.
    """
    lo_arr = np.asarray(lo, dtype=np.int64)
    hi_arr = np.asarray(hi, dtype=np.int64)
    n = size if size is not None else int(np.broadcast(lo_arr, hi_arr).size)
    lo_arr = np.broadcast_to(lo_arr, (n,))
    hi_arr = np.broadcast_to(hi_arr, (n,))
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if np.any(hi_arr <= lo_arr):
        raise ValueError("sample_times needs hi > lo")
    d_lo = lo_arr // DAY_MS
    d_hi = (hi_arr - 1) // DAY_MS
    first, last = int(d_lo.min()), int(d_hi.max())
    cum = np.concatenate([[0.0], np.cumsum(_day_weights(first, last))])

    def draw(idx: np.ndarray) -> np.ndarray:
        a = cum[d_lo[idx] - first]
        b = cum[d_hi[idx] - first + 1]
        target = a + rng.random(idx.size) * (b - a)
        day = np.searchsorted(cum, target, side="right") - 1 + first
        day = np.clip(day, d_lo[idx], d_hi[idx])
        hour = np.searchsorted(HOUR_CDF, rng.random(idx.size), side="right")
        hour = np.minimum(hour, 23)
        return day * DAY_MS + hour * HOUR_MS + rng.integers(0, HOUR_MS, idx.size)

    out = draw(np.arange(n))
    for _ in range(8):
        bad = np.flatnonzero((out < lo_arr) | (out >= hi_arr))
        if bad.size == 0:
            return out
        out[bad] = draw(bad)
    bad = np.flatnonzero((out < lo_arr) | (out >= hi_arr))
    if bad.size:
        span = (hi_arr[bad] - lo_arr[bad]).astype(np.float64)
        out[bad] = lo_arr[bad] + np.floor(rng.random(bad.size) * span).astype(np.int64)
    return out


def arrival_times(rng: np.random.Generator, occurred: np.ndarray, late_share: float = LATE_SHARE) -> np.ndarray:
    """When each event reached the platform: seconds after it occurred, or hours for a late share."""
    n = occurred.size
    lag = rng.exponential(3.0 * SECOND_MS, n).astype(np.int64)
    late = rng.random(n) < late_share
    hours = np.exp(rng.uniform(np.log(1.0), np.log(48.0), int(late.sum())))
    lag[late] = (hours * HOUR_MS).astype(np.int64)
    return occurred + lag


def arrival_order(rng: np.random.Generator, occurred: np.ndarray, late_share: float = LATE_SHARE) -> np.ndarray:
    """A permutation putting events in arrival order (stable, so ties keep occurrence order)."""
    return np.argsort(arrival_times(rng, occurred, late_share), kind="stable")


def iso(ms: np.ndarray | pl.Series, naive: np.ndarray | None = None, missing: np.ndarray | None = None) -> pl.Series:
    """ISO-8601 UTC strings with milliseconds.

    Rows flagged ``naive`` lose the trailing ``Z``; rows flagged ``missing`` become null.
    """
    series = ms.cast(pl.Int64) if isinstance(ms, pl.Series) else pl.Series(np.asarray(ms), dtype=pl.Int64)
    text = series.cast(pl.Datetime("ms")).dt.strftime(ISO_NAIVE)
    expr = pl.lit(text) + "Z"
    if naive is not None:
        expr = pl.when(pl.lit(pl.Series(naive, dtype=pl.Boolean))).then(pl.lit(text)).otherwise(expr)
    if missing is not None:
        expr = pl.when(pl.lit(pl.Series(missing, dtype=pl.Boolean))).then(None).otherwise(expr)
    return pl.select(expr).to_series()


def iso_one(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def compact_stamp(ms: int) -> str:
    """``YYYYMMDDTHHMMSSZ`` (used in file names)."""
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
