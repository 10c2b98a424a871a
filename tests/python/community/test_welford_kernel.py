"""The Welford step's kernel against numpy, across batches merged by Chan's formula, and the shrunk
pre-event z-scores of scoring.md §2 worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from warehouse.ratings.welford import (
    SliderPrior,
    calibrate_sliders,
    chan_merge,
    sample_std,
    shrink_with_prior,
)


def _run_in_batches(user: np.ndarray, values: np.ndarray, n_users: int, cuts: list[int], prior=SliderPrior.defaults()):
    """Calibrates the stream in parts, each starting from the merged state the previous part ended with."""
    state = (np.zeros(n_users), np.zeros(n_users), np.zeros(n_users))
    results = []
    for part in np.array_split(np.arange(len(values)), cuts):
        result = calibrate_sliders(user[part], values[part], *state, prior)
        state = (result.user_n, result.user_mean, result.user_m2)
        results.append(result)
    return state, results


# Around 1e9 a double resolves 1.2e-7 (one ulp), about 4e-8 of a spread of 3: no method can promise more
# than that many digits of the standard deviation there; the naive formula below loses all of them.
@pytest.mark.parametrize(("offset", "std_rtol"), [(0.0, 1e-12), (1e9, 5e-8)])
def test_state_equals_numpy_mean_and_sample_std_across_batches(offset, std_rtol):
    rng = np.random.default_rng(3)
    n_users = 7
    user = rng.integers(0, n_users, 4000)
    spread = rng.uniform(3, 20, n_users)
    values = offset + rng.normal(0, 1, user.size) * spread[user]
    (n, mean, m2), _ = _run_in_batches(user, values, n_users, [1, 999, 1000, 2500, 3999])
    for u in range(n_users):
        mine = values[user == u]
        assert n[u] == mine.size
        assert mean[u] == pytest.approx(np.mean(mine), rel=1e-15, abs=1e-13 * spread[u])
        assert sample_std(n[u], m2[u]) == pytest.approx(np.std(mine, ddof=1), rel=std_rtol)
    if offset:
        # the textbook sum-of-squares formula loses every digit at this offset; Welford/Chan do not
        for u in range(n_users):
            mine = values[user == u]
            naive = math.sqrt(max((np.sum(mine**2) - np.sum(mine) ** 2 / mine.size) / (mine.size - 1), 0.0))
            assert abs(naive - np.std(mine, ddof=1)) / np.std(mine, ddof=1) > 0.01


def test_chan_merge_equals_the_pooled_statistics():
    rng = np.random.default_rng(11)
    a, b = rng.normal(1e9, 3, 500), rng.normal(1e9 + 5, 7, 300)
    merged = chan_merge(a.size, a.mean(), ((a - a.mean()) ** 2).sum(), b.size, b.mean(), ((b - b.mean()) ** 2).sum())
    pooled = np.concatenate([a, b])
    assert merged[0] == pooled.size
    assert merged[1] == pytest.approx(pooled.mean(), rel=1e-15)
    assert math.sqrt(merged[2] / (pooled.size - 1)) == pytest.approx(pooled.std(ddof=1), rel=5e-8)
    # an empty side returns the other unchanged, exactly
    assert chan_merge(0, 0, 0, 3, 2.5, 4.0) == (3, 2.5, 4.0)
    assert chan_merge(3, 2.5, 4.0, 0, 0, 0) == (3, 2.5, 4.0)


def test_z_scores_by_hand():
    """One user rates 80, 90, 40. Before the first: n = 0, so m* = 50, v* = 625, sd* = 25, z = 1.2.
    Before the second: (1, 80, 0) merged with (3, 50, 3·625): m* = (80 + 150)/4 = 57.5,
    v* = (0 + 1875 + 30²·1·3/4)/4 = (1875 + 675)/4 = 637.5, z = (90 − 57.5)/√637.5.
    Before the third: (2, 85, 50): m* = (170 + 150)/5 = 64, v* = (50 + 1875 + 35²·2·3/5)/5 = 679, z = −24/√679."""
    result = calibrate_sliders([0, 0, 0], [80.0, 90.0, 40.0], [0.0], [0.0], [0.0])
    np.testing.assert_allclose(result.shrunk_mean, [50.0, 57.5, 64.0], rtol=1e-15)
    np.testing.assert_allclose(result.shrunk_sd, [25.0, math.sqrt(637.5), math.sqrt(679.0)], rtol=1e-15)
    np.testing.assert_allclose(result.z, [1.2, 32.5 / math.sqrt(637.5), -24 / math.sqrt(679.0)], rtol=1e-14)
    np.testing.assert_allclose(result.n_after, [1, 2, 3])
    np.testing.assert_allclose(result.mean_after, [80.0, 85.0, 70.0], rtol=1e-15)
    np.testing.assert_allclose(result.m2_after, [0.0, 50.0, 1400.0], rtol=1e-15)


def test_pre_event_statistics_match_the_vectorised_shrinkage():
    rng = np.random.default_rng(5)
    user = rng.integers(0, 4, 300)
    values = rng.integers(0, 101, 300).astype(float)
    result = calibrate_sliders(user, values, np.zeros(4), np.zeros(4), np.zeros(4))
    for t in range(values.size):
        before = values[:t][user[:t] == user[t]]
        n = before.size
        mean = before.mean() if n else 0.0
        m2 = ((before - mean) ** 2).sum() if n else 0.0
        m_star, sd_star = shrink_with_prior(n, mean, m2)
        assert result.shrunk_mean[t] == pytest.approx(m_star, rel=1e-12)
        assert result.shrunk_sd[t] == pytest.approx(sd_star, rel=1e-10)
        assert result.z[t] == pytest.approx((values[t] - m_star) / sd_star, rel=1e-9, abs=1e-12)


def test_sd_floor_applies():
    """A user who always answers 50 against a prior of sd 0 has v* = 0: sd* is floored at 1."""
    prior = SliderPrior.defaults(sd=0.0)
    result = calibrate_sliders([0, 0, 0], [50.0, 50.0, 53.0], [0.0], [0.0], [0.0], prior)
    assert list(result.shrunk_sd[:2]) == [1.0, 1.0]
    assert result.z[2] == pytest.approx(3.0)


def test_batches_give_the_same_z_scores_as_one_pass():
    rng = np.random.default_rng(9)
    n_users = 30
    user = rng.integers(0, n_users, 5000)
    values = rng.integers(0, 101, user.size).astype(float)
    whole = calibrate_sliders(user, values, np.zeros(n_users), np.zeros(n_users), np.zeros(n_users))
    (n, mean, m2), parts = _run_in_batches(user, values, n_users, [100, 2000, 2001, 4500])
    z = np.concatenate([p.z for p in parts])
    np.testing.assert_allclose(z, whole.z, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(n, whole.user_n)
    np.testing.assert_allclose(mean, whole.user_mean, rtol=1e-12)
    np.testing.assert_allclose(m2, whole.user_m2, rtol=1e-9)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="outside"):
        calibrate_sliders([1], [50.0], [0.0], [0.0], [0.0])
    with pytest.raises(ValueError, match="finite"):
        calibrate_sliders([0], [float("nan")], [0.0], [0.0], [0.0])
    with pytest.raises(ValueError, match="M2"):
        calibrate_sliders([0], [50.0], [2.0], [50.0], [-1.0])
    with pytest.raises(ValueError):
        SliderPrior.defaults(n=0)


def test_default_prior_is_the_spec():
    assert SliderPrior.defaults() == SliderPrior(n=3, mean=50, sd=25, min_sd=1)
