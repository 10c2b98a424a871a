"""Weighted draws shared by the domains (inverse-CDF on cumulative weights, constraint-aware)."""

from __future__ import annotations

import numpy as np


def draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """``n`` 0-based draws proportional to the weights whose cumulative sum is ``cdf``."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, cdf.size - 1).astype(np.int64)


def pareto_weights(rng: np.random.Generator, n: int, alpha: float, cap: float = 500.0) -> np.ndarray:
    """Heavy-tailed positive weights (Pareto with minimum 1, capped to keep one entity from dominating)."""
    return np.minimum(rng.pareto(alpha, n) + 1.0, cap)


def active_cdf(weights: np.ndarray, created: np.ndarray, t0: int, t1: int) -> np.ndarray:
    """Cumulative weights of entities scaled by how long they exist inside [t0, t1)."""
    duration = np.clip(t1 - np.maximum(created, t0), 0, None).astype(np.float64)
    return np.cumsum(weights * duration)


def draw_existing(
    rng: np.random.Generator, cdf: np.ndarray, created: np.ndarray, at: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """One entity per row, weighted by ``cdf``, created no later than ``at`` of that row.

    Rejection sampling on the rows that violate the constraint; after a few rounds the rest come
    uniformly from ``fallback`` (entities known to exist at every ``at``).
    """
    out = draw(rng, cdf, at.size)
    bad = np.flatnonzero(created[out] > at)
    for _ in range(25):
        if bad.size == 0:
            return out
        out[bad] = draw(rng, cdf, bad.size)
        bad = bad[created[out[bad]] > at[bad]]
    if bad.size:
        out[bad] = fallback[rng.integers(0, fallback.size, bad.size)]
    return out


def draw_existing_pairs(
    rng: np.random.Generator, cdf: np.ndarray, created: np.ndarray, at: np.ndarray, fallback: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two distinct entities per row, each created no later than ``at``; ``fallback`` needs 2+ entries."""
    a = draw(rng, cdf, at.size)
    b = draw(rng, cdf, at.size)

    def violations(rows: np.ndarray) -> np.ndarray:
        return rows[(a[rows] == b[rows]) | (created[a[rows]] > at[rows]) | (created[b[rows]] > at[rows])]

    bad = violations(np.arange(at.size))
    for _ in range(25):
        if bad.size == 0:
            return a, b
        a[bad] = draw(rng, cdf, bad.size)
        b[bad] = draw(rng, cdf, bad.size)
        bad = violations(bad)
    if bad.size:
        i = rng.integers(0, fallback.size, bad.size)
        j = (i + rng.integers(1, fallback.size, bad.size)) % fallback.size
        a[bad] = fallback[i]
        b[bad] = fallback[j]
    return a, b


def unique_first(keys: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each key, in their original order."""
    _, first = np.unique(keys, return_index=True)
    return np.sort(first)
