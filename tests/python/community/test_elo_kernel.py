"""The Elo step's kernel against independent references: openskill, a hand-worked weighted vote, the
weighted log-likelihood's derivatives, and the reliability update written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from openskill.models import BradleyTerryFull

from warehouse.ratings.elo import EloParams, rate_votes

UNWEIGHTED = EloParams.defaults(reliability_weighting=False)


def _fresh(n_nfts: int, n_users: int = 1, params: EloParams = EloParams.defaults()):
    return (
        np.full(n_nfts, params.mu),
        np.full(n_nfts, params.sigma),
        np.full(n_users, params.alpha0),
        np.full(n_users, params.beta0),
    )


def _random_votes(rng: np.random.Generator, n_votes: int, n_nfts: int) -> tuple[np.ndarray, np.ndarray]:
    winner = rng.integers(0, n_nfts, n_votes)
    loser = (winner + rng.integers(1, n_nfts, n_votes)) % n_nfts
    return winner, loser


def test_unweighted_votes_equal_openskill_bradley_terry_full():
    rng = np.random.default_rng(20260101)
    n_votes, n_nfts = 3000, 40
    winner, loser = _random_votes(rng, n_votes, n_nfts)
    ours = rate_votes(winner, loser, np.zeros(n_votes, int), np.zeros(n_votes, bool), *_fresh(n_nfts), UNWEIGHTED)

    model = BradleyTerryFull(mu=1500, sigma=350, beta=175, tau=3.5, kappa=1e-4)
    players = [model.rating() for _ in range(n_nfts)]
    winner_mu, loser_sigma = [], []
    for i, j in zip(winner, loser, strict=True):
        [[players[i]], [players[j]]] = model.rate([[players[i]], [players[j]]])
        winner_mu.append(players[i].mu)
        loser_sigma.append(players[j].sigma)

    np.testing.assert_allclose(ours.nft_mu, [p.mu for p in players], rtol=1e-9, atol=0)
    np.testing.assert_allclose(ours.nft_sigma, [p.sigma for p in players], rtol=1e-9, atol=0)
    np.testing.assert_allclose(ours.winner_mu, winner_mu, rtol=1e-9, atol=0)
    np.testing.assert_allclose(ours.loser_sigma, loser_sigma, rtol=1e-9, atol=0)
    assert np.all(ours.weight == 1.0) and np.all(ours.multiplier == 1.0)
    # the sequence really moved the ratings (a test that compares two untouched states proves nothing)
    assert np.ptp(ours.nft_mu) > 300 and ours.nft_sigma.max() < 350


def test_win_probability_is_the_pre_vote_pairwise_probability():
    """pᵢ of step 2: the logistic of the μ gap over c, with both σ² already inflated by τ²."""
    params = UNWEIGHTED
    mu, sigma = np.array([1600.0, 1450.0]), np.array([200.0, 120.0])
    result = rate_votes([0], [1], [0], [False], mu, sigma, [3.0], [2.0], params)
    c = math.sqrt(200.0**2 + 120.0**2 + 2 * params.tau**2 + 2 * 175.0**2)
    assert result.win_probability[0] == pytest.approx(1 / (1 + math.exp((1450.0 - 1600.0) / c)), rel=1e-15)


def test_weighted_vote_hand_worked():
    """A super vote (type weight 2) by a new voter (R = 0.6, so m = 1.1, w = 2.2) between two fresh NFTs.

    σ² = 350² + 3.5² = 122512.25 for both;  c = √(2·122512.25 + 2·175²) = √306274.5 = 553.4207260...
    p = 1/2 (equal μ);  step = 2.2·(122512.25/c)·0.5 = 243.5099892...;  μᵢ = 1743.5099892, μⱼ = 1256.4900108
    Δ = 2.2·(350.0175/c)·(122512.25/c²)·0.25 = 0.1391443909...;  σ = √(122512.25·(1 − Δ)) = 324.7543034...
    α = 3 + 0.98·0 + 0·p = 3, β = 2 (g = |2p − 1| = 0: an even pair says nothing about the voter).
    (Worked with 30-digit decimals, independently of the kernel's floats.)"""
    result = rate_votes([0], [1], [0], [True], *_fresh(2))
    sigma2 = 350.0**2 + 3.5**2
    c = math.sqrt(2 * sigma2 + 2 * 175.0**2)
    assert c == pytest.approx(553.420726030386397, rel=1e-15)
    assert result.weight[0] == pytest.approx(2.2, rel=1e-15)
    assert result.multiplier[0] == pytest.approx(1.1, rel=1e-15)
    assert result.win_probability[0] == 0.5
    assert result.winner_mu[0] == pytest.approx(1743.509989166182057, rel=1e-13)
    assert result.loser_mu[0] == pytest.approx(1256.490010833817943, rel=1e-13)
    assert result.winner_sigma[0] == pytest.approx(324.754303421761338, rel=1e-13)
    assert result.loser_sigma[0] == pytest.approx(324.754303421761338, rel=1e-13)
    assert (result.voter_alpha[0], result.voter_beta[0]) == (3.0, 2.0)


@pytest.mark.parametrize("weight", [0.5, 1.1, 2.0, 3.0])
def test_weighted_update_is_the_weighted_likelihood_step(weight):
    """With weight w the update is the Weng–Lin moment step on w·log pᵢ(μ): the mean moves by σ² times the
    gradient, the variance shrinks by γ·σ² times the curvature (γ = σ/c) — derivatives taken numerically
    here, independently of the closed forms in the kernel."""
    params = EloParams.defaults(weight_normal=weight, reliability_weighting=False, tau=0.0)
    mu_i, mu_j, sigma_i, sigma_j = 1580.0, 1490.0, 210.0, 140.0
    result = rate_votes([0], [1], [0], [False], [mu_i, mu_j], [sigma_i, sigma_j], [3.0], [2.0], params)
    c = math.sqrt(sigma_i**2 + sigma_j**2 + 2 * params.beta**2)

    def log_likelihood(a: float, b: float) -> float:
        return weight * -math.log1p(math.exp((b - a) / c))

    h = 1e-3
    grad_i = (log_likelihood(mu_i + h, mu_j) - log_likelihood(mu_i - h, mu_j)) / (2 * h)
    grad_j = (log_likelihood(mu_i, mu_j + h) - log_likelihood(mu_i, mu_j - h)) / (2 * h)
    h2 = 0.5
    centre = 2 * log_likelihood(mu_i, mu_j)
    curv_i = (log_likelihood(mu_i + h2, mu_j) - centre + log_likelihood(mu_i - h2, mu_j)) / h2**2
    curv_j = (log_likelihood(mu_i, mu_j + h2) - centre + log_likelihood(mu_i, mu_j - h2)) / h2**2

    assert result.winner_mu[0] == pytest.approx(mu_i + sigma_i**2 * grad_i, rel=1e-9)
    assert result.loser_mu[0] == pytest.approx(mu_j + sigma_j**2 * grad_j, rel=1e-9)
    shrink_i = (sigma_i / c) * sigma_i**2 * -curv_i
    shrink_j = (sigma_j / c) * sigma_j**2 * -curv_j
    assert result.winner_sigma[0] ** 2 == pytest.approx(sigma_i**2 * (1 - shrink_i), rel=1e-7)
    assert result.loser_sigma[0] ** 2 == pytest.approx(sigma_j**2 * (1 - shrink_j), rel=1e-7)


def test_reliability_update_and_multiplier_by_hand():
    """Two votes by one user: the second vote's weight uses R after the first; α, β follow §3 exactly."""
    params = EloParams.defaults()
    mu, sigma = np.array([1700.0, 1300.0, 1500.0]), np.array([100.0, 100.0, 100.0])
    result = rate_votes([0, 2], [1, 0], [0, 0], [False, True], mu, sigma, [3.0], [2.0], params)

    c = math.sqrt(2 * (100.0**2 + 3.5**2) + 2 * 175.0**2)
    p = 1 / (1 + math.exp((1300.0 - 1700.0) / c))  # the favourite won
    g = abs(2 * p - 1)
    alpha = 3 + 0.98 * (3 - 3) + g * p
    beta = 2 + 0.98 * (2 - 2) + g * (1 - p)
    assert result.voter_alpha[0] == pytest.approx(alpha, rel=1e-14)
    assert result.voter_beta[0] == pytest.approx(beta, rel=1e-14)
    assert result.voter_reliability[0] > 0.6  # agreeing with a clear favourite raises R

    reliability = alpha / (alpha + beta)
    assert result.multiplier[1] == pytest.approx(min(max(0.5 + reliability, 0.5), 1.5), rel=1e-14)
    assert result.weight[1] == pytest.approx(2 * result.multiplier[1], rel=1e-14)
    p2 = result.win_probability[1]  # the underdog (NFT 2, μ 1500 vs the winner's new μ) won
    assert p2 < 0.5
    g2 = abs(2 * p2 - 1)
    assert result.voter_alpha[1] == pytest.approx(3 + 0.98 * (alpha - 3) + g2 * p2, rel=1e-14)
    assert result.voter_beta[1] == pytest.approx(2 + 0.98 * (beta - 2) + g2 * (1 - p2), rel=1e-14)


def test_multiplier_is_clamped():
    params = EloParams.defaults(multiplier_offset=0.9, multiplier_max=1.2)
    result = rate_votes([0], [1], [0], [False], *_fresh(2, params=params), params)
    assert result.multiplier[0] == 1.2  # 0.9 + 0.6 = 1.5 clamped to 1.2


def test_batches_continue_exactly_from_the_carried_state():
    """Any split of the vote stream, each part starting from the state the previous one ended with, gives
    bit-identical numbers — what makes incremental builds equal a full refresh."""
    rng = np.random.default_rng(7)
    n_votes, n_nfts, n_users = 5000, 60, 25
    winner, loser = _random_votes(rng, n_votes, n_nfts)
    voter = rng.integers(0, n_users, n_votes)
    is_super = rng.random(n_votes) < 0.1
    whole = rate_votes(winner, loser, voter, is_super, *_fresh(n_nfts, n_users))

    state = _fresh(n_nfts, n_users)
    parts = []
    for part in np.array_split(np.arange(n_votes), [1, 1700, 1701, 4000]):
        result = rate_votes(winner[part], loser[part], voter[part], is_super[part], *state)
        state = (result.nft_mu, result.nft_sigma, result.user_alpha, result.user_beta)
        parts.append(result)
    for name in ("win_probability", "weight", "winner_mu", "winner_sigma", "loser_mu", "loser_sigma", "voter_alpha"):
        assert np.array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(whole, name)), name
    assert np.array_equal(state[0], whole.nft_mu) and np.array_equal(state[3], whole.user_beta)


def test_inputs_are_not_modified():
    mu, sigma, alpha, beta = _fresh(3)
    rate_votes([0, 1], [1, 2], [0, 0], [False, True], mu, sigma, alpha, beta)
    assert np.all(mu == 1500) and np.all(sigma == 350) and alpha[0] == 3 and beta[0] == 2


@pytest.mark.parametrize(
    ("winner", "loser", "message"),
    [([0], [0], "itself"), ([0], [5], "outside"), ([-1], [0], "outside"), ([0, 1], [1], "same length")],
)
def test_bad_votes_are_refused(winner, loser, message):
    with pytest.raises(ValueError, match=message):
        rate_votes(winner, loser, [0] * len(winner), [False] * len(winner), *_fresh(3))


@pytest.mark.parametrize(
    "changes",
    [
        {"sigma": 0},
        {"beta": -1},
        {"kappa": 0},
        {"decay": 1.5},
        {"tau": float("nan")},
        {"multiplier_min": 2.0},
        {"reliability_weighting": "yes"},
    ],
)
def test_bad_parameters_are_refused(changes):
    with pytest.raises(ValueError):
        EloParams.defaults(**changes)


def test_default_parameters_are_the_spec():
    params = EloParams.defaults()
    assert (params.mu, params.sigma, params.beta, params.tau, params.kappa) == (1500, 350, 175, 3.5, 1e-4)
    assert (params.weight_normal, params.weight_super, params.alpha0, params.beta0, params.decay) == (1, 2, 3, 2, 0.98)
    assert params.prior_reliability == pytest.approx(0.6)
