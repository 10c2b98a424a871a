"""The Welford step: per-user slider calibration (scoring.md §2).

State per user: n, mean, M2. Each slider value x is z-scored against the user's *shrunk* statistics before
the event — Chan's merge of (n, mean, M2) with k pseudo-ratings of mean m₀ and sd s₀:

    m* = (n·mean + k·m₀)/(n + k)
    v* = (M2 + k·s₀² + (m₀ − mean)²·n·k/(n + k))/(n + k);  sd* = max(√v*, sd_min)
    z  = (x − m*)/sd*

then the state takes x (Welford): n ← n+1; δ = x − mean; mean ← mean + δ/n; M2 ← M2 + δ·(x − mean).

Across batches the state is merged, never recomputed: a batch runs Welford from an empty state per user,
and the user's state at any point is Chan's merge of the stored state with that batch-local state (exact
in exact arithmetic; numerically stable, unlike sums of squares). Merging with an empty state returns the
other side unchanged, so a single pass over all the data is plain Welford.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
from numba import njit

from warehouse.ratings.parameters import SLIDER_VARS, VarParameters


@dataclass(frozen=True)
class SliderPrior(VarParameters):
    """The shrinkage prior of §2, each field set by a dbt var (`parameters.SLIDER_VARS`); `defaults()` gives
    the project's (dbt_project.yml, scoring.md's values), `from_config(dbt.config.get("step_vars"))` a model's."""

    VARS: ClassVar[dict[str, str]] = SLIDER_VARS

    n: float  # k pseudo-ratings
    mean: float
    sd: float
    min_sd: float

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"slider prior {item.name} must be a finite number, got {value!r}")
        if self.n <= 0 or self.sd < 0 or self.min_sd <= 0:
            raise ValueError("slider prior needs n > 0, sd >= 0 and min_sd > 0")


@dataclass(frozen=True)
class SliderResult:
    """Per-slider outputs (input order) and the merged final state per user code."""

    shrunk_mean: np.ndarray  # m* before the event
    shrunk_sd: np.ndarray  # sd* before the event
    z: np.ndarray  # calibrated slider
    n_after: np.ndarray  # the user's state after the event
    mean_after: np.ndarray
    m2_after: np.ndarray
    user_n: np.ndarray  # final state per user code
    user_mean: np.ndarray
    user_m2: np.ndarray


@njit(cache=True, inline="always")
def _chan(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    if n_a == 0.0:
        return n_b, mean_b, m2_b
    if n_b == 0.0:
        return n_a, mean_a, m2_a
    n = n_a + n_b
    delta = mean_b - mean_a
    return n, mean_a + delta * (n_b / n), m2_a + m2_b + delta * delta * (n_a * n_b / n)


@njit(cache=True)
def _calibrate_kernel(user, x, n0, mean0, m20, k, prior_mean, prior_sd, min_sd):
    size = n0.shape[0]
    local_n = np.zeros(size)
    local_mean = np.zeros(size)
    local_m2 = np.zeros(size)
    count = user.shape[0]
    m_star = np.empty(count)
    sd_star = np.empty(count)
    z = np.empty(count)
    n_after = np.empty(count)
    mean_after = np.empty(count)
    m2_after = np.empty(count)
    prior_m2 = k * prior_sd * prior_sd
    for t in range(count):
        u = user[t]
        value = x[t]
        n, mean, m2 = _chan(n0[u], mean0[u], m20[u], local_n[u], local_mean[u], local_m2[u])
        nk = n + k
        shrunk = (n * mean + k * prior_mean) / nk
        gap = prior_mean - mean
        variance = (m2 + prior_m2 + gap * gap * n * k / nk) / nk
        sd = max(math.sqrt(variance), min_sd)
        m_star[t] = shrunk
        sd_star[t] = sd
        z[t] = (value - shrunk) / sd
        ln = local_n[u] + 1.0
        delta = value - local_mean[u]
        lm = local_mean[u] + delta / ln
        local_m2[u] = local_m2[u] + delta * (value - lm)
        local_mean[u] = lm
        local_n[u] = ln
        n, mean, m2 = _chan(n0[u], mean0[u], m20[u], ln, lm, local_m2[u])
        n_after[t] = n
        mean_after[t] = mean
        m2_after[t] = m2
    user_n = np.empty(size)
    user_mean = np.empty(size)
    user_m2 = np.empty(size)
    for u in range(size):
        user_n[u], user_mean[u], user_m2[u] = _chan(n0[u], mean0[u], m20[u], local_n[u], local_mean[u], local_m2[u])
    return m_star, sd_star, z, n_after, mean_after, m2_after, user_n, user_mean, user_m2


def calibrate_sliders(user, value, user_n, user_mean, user_m2, prior: SliderPrior | None = None) -> SliderResult:
    """Z-scores slider `value`s (in order) of users given as codes into the stored per-user state
    (`user_n`, `user_mean`, `user_m2`; zeros for a user without sliders). Inputs are not modified.
    Without ``prior``, the project's defaults."""
    prior = prior if prior is not None else SliderPrior.defaults()
    codes = np.ascontiguousarray(user, dtype=np.int64)
    x = np.ascontiguousarray(value, dtype=np.float64)
    n0 = np.array(user_n, dtype=np.float64)
    mean0 = np.array(user_mean, dtype=np.float64)
    m20 = np.array(user_m2, dtype=np.float64)
    if codes.ndim != 1 or codes.shape != x.shape:
        raise ValueError("user and value must be one-dimensional and of the same length")
    if not (n0.ndim == 1 and n0.shape == mean0.shape == m20.shape):
        raise ValueError("user_n, user_mean and user_m2 must be one-dimensional and of the same length")
    if codes.size and (codes.min() < 0 or codes.max() >= n0.size):
        raise ValueError(f"user holds codes outside 0..{n0.size - 1}")
    if not np.all(np.isfinite(x)):
        raise ValueError("slider values must be finite numbers")
    if np.any(n0 < 0) or np.any(m20 < 0) or not (np.all(np.isfinite(mean0)) and np.all(np.isfinite(m20))):
        raise ValueError("stored state needs n >= 0, M2 >= 0 and finite means")
    outputs = _calibrate_kernel(
        codes, x, n0, mean0, m20, float(prior.n), float(prior.mean), float(prior.sd), float(prior.min_sd)
    )
    return SliderResult(*outputs)


def chan_merge(n_a, mean_a, m2_a, n_b, mean_b, m2_b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chan et al.'s pairwise merge of (n, mean, M2) states, elementwise over arrays."""
    n_a, mean_a, m2_a, n_b, mean_b, m2_b = (
        np.asarray(v, dtype=np.float64) for v in (n_a, mean_a, m2_a, n_b, mean_b, m2_b)
    )
    n = n_a + n_b
    safe_n = np.where(n == 0, 1.0, n)
    delta = mean_b - mean_a
    mean = np.where(n_a == 0, mean_b, np.where(n_b == 0, mean_a, mean_a + delta * (n_b / safe_n)))
    m2 = np.where(n_a == 0, m2_b, np.where(n_b == 0, m2_a, m2_a + m2_b + delta * delta * (n_a * n_b / safe_n)))
    return n, mean, m2


def shrink_with_prior(n, mean, m2, prior: SliderPrior | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(m*, sd*) of §2 step 1 for states (n, mean, M2), elementwise (``prior``: the project's by default)."""
    prior = prior if prior is not None else SliderPrior.defaults()
    n, mean, m2 = (np.asarray(v, dtype=np.float64) for v in (n, mean, m2))
    k = float(prior.n)
    nk = n + k
    m_star = (n * mean + k * prior.mean) / nk
    v_star = (m2 + k * prior.sd**2 + (prior.mean - mean) ** 2 * n * k / nk) / nk
    return m_star, np.maximum(np.sqrt(v_star), prior.min_sd)


def sample_std(n, m2) -> np.ndarray:
    """√(M2/(n − 1)) for n ≥ 2, NaN otherwise."""
    n, m2 = np.asarray(n, dtype=np.float64), np.asarray(m2, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 2, np.sqrt(m2 / np.where(n >= 2, n - 1, 1)), np.nan)
