"""The Elo step: weighted Weng–Lin Bradley–Terry ratings with voter reliability (scoring.md §1, §3).

For a vote where NFT i beat NFT j with weight w (all on the state *before* the vote):

    σᵢ² ← σᵢ² + τ²,  σⱼ² ← σⱼ² + τ²
    c = √(σᵢ² + σⱼ² + 2β²);  pᵢ = 1 / (1 + exp((μⱼ − μᵢ)/c));  pⱼ = 1 − pᵢ
    μᵢ ← μᵢ + w·(σᵢ²/c)·(1 − pᵢ);  μⱼ ← μⱼ − w·(σⱼ²/c)·pⱼ
    Δᵢ = w·(σᵢ/c)·(σᵢ²/c²)·pᵢ·pⱼ;  Δⱼ = w·(σⱼ/c)·(σⱼ²/c²)·pᵢ·pⱼ
    σᵢ² ← σᵢ²·max(1 − Δᵢ, κ);  σⱼ² ← σⱼ²·max(1 − Δⱼ, κ)

w = type_weight × m, m = clamp(offset + R, min, max) with R = α/(α + β_u) the voter's reliability before
the vote (m = 1 without reliability weighting). After the rating update the voter's Beta state moves:
g = |2pᵢ − 1|;  α ← α₀ + λ(α − α₀) + g·pᵢ;  β_u ← β₀ + λ(β_u − β₀) + g·(1 − pᵢ).

With w = 1 this is openskill's BradleyTerryFull 1-vs-1 update. Votes are applied strictly in the given
order (the caller orders them by event_seq), so any split into batches gives the same numbers as one
pass, provided each batch starts from the state the previous one ended with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
from numba import njit

from warehouse.ratings.parameters import ELO_VARS, VarParameters


@dataclass(frozen=True)
class EloParams(VarParameters):
    """Parameters of the Elo step, each set by a dbt var (`parameters.ELO_VARS`); `defaults()` gives the
    project's (dbt_project.yml, scoring.md's values), `from_config(dbt.config.get("step_vars"))` a model's."""

    VARS: ClassVar[dict[str, str]] = ELO_VARS

    mu: float
    sigma: float
    beta: float
    tau: float
    kappa: float
    weight_normal: float
    weight_super: float
    reliability_weighting: bool
    multiplier_offset: float
    multiplier_min: float
    multiplier_max: float
    alpha0: float
    beta0: float
    decay: float

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "reliability_weighting":
                if not isinstance(value, (bool, np.bool_)):
                    raise ValueError(f"reliability_weighting must be a boolean, got {value!r}")
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"Elo parameter {item.name} must be a finite number, got {value!r}")
        positive = ("sigma", "beta", "alpha0", "beta0", "weight_normal", "weight_super")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"Elo parameter {name} must be > 0, got {getattr(self, name)!r}")
        if self.tau < 0:
            raise ValueError(f"Elo parameter tau must be >= 0, got {self.tau!r}")
        if not 0 < self.kappa <= 1:
            raise ValueError(f"Elo parameter kappa must be in (0, 1], got {self.kappa!r}")
        if not 0 <= self.decay <= 1:
            raise ValueError(f"reliability decay must be in [0, 1], got {self.decay!r}")
        if not 0 < self.multiplier_min <= self.multiplier_max:
            raise ValueError(
                f"reliability multiplier bounds must satisfy 0 < min <= max, got "
                f"{self.multiplier_min!r}, {self.multiplier_max!r}"
            )

    @property
    def prior_reliability(self) -> float:
        """R of a user who never voted: α₀/(α₀ + β₀) (0.6 with the defaults)."""
        return self.alpha0 / (self.alpha0 + self.beta0)


@dataclass(frozen=True)
class EloResult:
    """Per-vote outputs (one entry per vote, in input order) and the final state arrays."""

    win_probability: np.ndarray  # pᵢ of the chosen NFT before the vote
    multiplier: np.ndarray  # m, the voter's reliability multiplier before the vote
    weight: np.ndarray  # w = type_weight × m
    winner_mu: np.ndarray  # after the vote
    winner_sigma: np.ndarray
    loser_mu: np.ndarray
    loser_sigma: np.ndarray
    voter_alpha: np.ndarray  # after the vote
    voter_beta: np.ndarray
    nft_mu: np.ndarray  # final state per NFT code
    nft_sigma: np.ndarray
    user_alpha: np.ndarray  # final state per user code
    user_beta: np.ndarray

    @property
    def voter_reliability(self) -> np.ndarray:
        return self.voter_alpha / (self.voter_alpha + self.voter_beta)


@njit(cache=True, nogil=True)
def _rate_kernel(
    winner, loser, voter, type_weight, mu, sigma, alpha, beta_u,
    beta, tau, kappa, weighting, m_offset, m_min, m_max, alpha0, beta0, decay,
):  # fmt: skip
    n = winner.shape[0]
    win_p = np.empty(n)
    mult = np.empty(n)
    weight = np.empty(n)
    w_mu = np.empty(n)
    w_sigma = np.empty(n)
    l_mu = np.empty(n)
    l_sigma = np.empty(n)
    v_alpha = np.empty(n)
    v_beta = np.empty(n)
    tau2 = tau * tau
    two_beta2 = 2.0 * beta * beta
    for k in range(n):
        i = winner[k]
        j = loser[k]
        u = voter[k]
        a = alpha[u]
        b = beta_u[u]
        if weighting:
            m = m_offset + a / (a + b)
            if m < m_min:
                m = m_min
            elif m > m_max:
                m = m_max
        else:
            m = 1.0
        w = type_weight[k] * m
        si2 = sigma[i] * sigma[i] + tau2
        sj2 = sigma[j] * sigma[j] + tau2
        c = math.sqrt(si2 + sj2 + two_beta2)
        pi = 1.0 / (1.0 + math.exp((mu[j] - mu[i]) / c))
        pj = 1.0 - pi
        mu_i = mu[i] + w * (si2 / c) * (1.0 - pi)
        mu_j = mu[j] - w * (sj2 / c) * pj
        c2 = c * c
        di = w * (math.sqrt(si2) / c) * (si2 / c2) * pi * pj
        dj = w * (math.sqrt(sj2) / c) * (sj2 / c2) * pi * pj
        sigma_i = math.sqrt(si2 * max(1.0 - di, kappa))
        sigma_j = math.sqrt(sj2 * max(1.0 - dj, kappa))
        mu[i] = mu_i
        mu[j] = mu_j
        sigma[i] = sigma_i
        sigma[j] = sigma_j
        g = abs(2.0 * pi - 1.0)
        a = alpha0 + decay * (a - alpha0) + g * pi
        b = beta0 + decay * (b - beta0) + g * (1.0 - pi)
        alpha[u] = a
        beta_u[u] = b
        win_p[k] = pi
        mult[k] = m
        weight[k] = w
        w_mu[k] = mu_i
        w_sigma[k] = sigma_i
        l_mu[k] = mu_j
        l_sigma[k] = sigma_j
        v_alpha[k] = a
        v_beta[k] = b
    return win_p, mult, weight, w_mu, w_sigma, l_mu, l_sigma, v_alpha, v_beta


def _codes(name: str, values, size: int) -> np.ndarray:
    array = np.ascontiguousarray(values, dtype=np.int64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if array.size and (array.min() < 0 or array.max() >= size):
        raise ValueError(f"{name} holds codes outside 0..{size - 1}")
    return array


def _state(name: str, values, size: int | None = None, positive: bool = False) -> np.ndarray:
    array = np.array(values, dtype=np.float64)  # a copy: the caller's state is never modified
    if array.ndim != 1 or (size is not None and array.size != size):
        raise ValueError(f"{name} must be one-dimensional" + (f" of length {size}" if size is not None else ""))
    if not np.all(np.isfinite(array)) or (positive and np.any(array <= 0)):
        raise ValueError(f"{name} must hold finite{' positive' if positive else ''} numbers")
    return array


def rate_votes(
    winner,
    loser,
    voter,
    is_super,
    nft_mu,
    nft_sigma,
    user_alpha,
    user_beta,
    params: EloParams | None = None,
) -> EloResult:
    """Applies the votes in order. `winner`, `loser` are NFT codes into `nft_mu`/`nft_sigma`; `voter` user
    codes into `user_alpha`/`user_beta` (the starting states: a new NFT starts at (μ₀, σ₀), a new user at
    (α₀, β₀)); `is_super` marks super votes. Inputs are not modified; the final states are returned.
    Without ``params``, the project's defaults."""
    params = params if params is not None else EloParams.defaults()
    mu = _state("nft_mu", nft_mu)
    sigma = _state("nft_sigma", nft_sigma, mu.size, positive=True)
    alpha = _state("user_alpha", user_alpha, positive=True)
    beta_u = _state("user_beta", user_beta, alpha.size, positive=True)
    win = _codes("winner", winner, mu.size)
    lose = _codes("loser", loser, mu.size)
    who = _codes("voter", voter, alpha.size)
    super_flags = np.asarray(is_super, dtype=np.bool_)
    if not (win.size == lose.size == who.size == super_flags.size):
        raise ValueError("winner, loser, voter and is_super must have the same length")
    if np.any(win == lose):
        raise ValueError("a vote between an NFT and itself cannot be rated (staging rejects it)")
    type_weight = np.where(super_flags, float(params.weight_super), float(params.weight_normal))
    outputs = _rate_kernel(
        win, lose, who, type_weight, mu, sigma, alpha, beta_u,
        float(params.beta), float(params.tau), float(params.kappa), bool(params.reliability_weighting),
        float(params.multiplier_offset), float(params.multiplier_min), float(params.multiplier_max),
        float(params.alpha0), float(params.beta0), float(params.decay),
    )  # fmt: skip
    return EloResult(*outputs, nft_mu=mu, nft_sigma=sigma, user_alpha=alpha, user_beta=beta_u)
