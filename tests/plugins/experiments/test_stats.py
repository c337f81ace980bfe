"""The report's statistics against known values and by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from learnwire.plugins.experiments import stats


@pytest.mark.parametrize(
    ("p", "df", "quantile"),
    # Student's t table (two-sided 5% and 10% critical values).
    [(0.975, 10, 2.228139), (0.975, 5, 2.570582), (0.95, 1, 6.313752), (0.975, 30, 2.042272)],
)
def test_stats_t_quantiles_match_the_table(p, df, quantile):
    assert stats.t_quantile(p, df) == pytest.approx(quantile, abs=2e-6)
    assert stats.t_cdf(quantile, df) == pytest.approx(p, abs=1e-7)  # table rounded to 1e-6


def test_stats_incomplete_beta_exact_cases():
    # I_x(1, 1) = x; I_x(2, 3) = 1 - (1-x)^4 - 4x(1-x)^3 (binomial tail), by hand at x = 0.5.
    assert stats.betainc(1, 1, 0.3) == pytest.approx(0.3, abs=1e-12)
    assert stats.betainc(2, 3, 0.5) == pytest.approx(1 - 0.5**4 - 4 * 0.5**4, abs=1e-12)
    assert stats.t_cdf(0.0, 7) == pytest.approx(0.5)
    # df = 1 is the Cauchy distribution: P(T <= 1) = 3/4.
    assert stats.t_cdf(1.0, 1) == pytest.approx(0.75, abs=1e-12)


def test_stats_welch_by_hand():
    a, b = [1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    result = stats.welch(a, b)
    # var(a) = 2.5, var(b) = 10: se = sqrt(0.5 + 2) ; df = 2.5^2 / (0.5^2/4 + 2^2/4)
    assert result.difference == -3.0
    assert result.standard_error == pytest.approx(math.sqrt(2.5))
    assert result.df == pytest.approx(6.25 / (0.0625 + 1.0))
    assert result.statistic == pytest.approx(-3.0 / math.sqrt(2.5))
    half = stats.t_quantile(0.975, result.df) * math.sqrt(2.5)
    assert (result.low, result.high) == pytest.approx((-3.0 - half, -3.0 + half))
    assert result.p_value == pytest.approx(2 * stats.t_cdf(result.statistic, result.df))
    assert result.p_value == pytest.approx(0.1075, abs=5e-5)  # R: t.test(a, b), p = 0.1075


def test_stats_newcombe_matches_the_published_example():
    # Newcombe (1998), example (a): 56/70 vs 48/80, method 10 gives 0.0524 to 0.3339.
    low, high = stats.newcombe(56, 70, 48, 80)
    assert (low, high) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_stats_mde_and_sample_size():
    # (z_.975 + z_.8) * sd * sqrt(2/n) = 2.8016 * sqrt(0.02) for n = 100 per arm.
    assert stats.mde(100, 100, 1.0) == pytest.approx(2.80158 * math.sqrt(0.02), abs=1e-4)
    assert stats.sample_size(0.5, 1.0) == 63  # 2 * (2.80158 / 0.5)^2 = 62.8, rounded up
    assert stats.mde(0, 10, 1.0) == math.inf


def test_stats_bootstrap_agrees_with_welch_on_large_normal_samples():
    rng = np.random.default_rng(3)
    a, b = rng.normal(1.0, 2.0, 800), rng.normal(0.6, 2.0, 800)
    low, high = stats.bootstrap_diff(a.tolist(), b.tolist(), seed=1)
    welch = stats.welch(a.tolist(), b.tolist())
    assert low == pytest.approx(welch.low, abs=0.03) and high == pytest.approx(welch.high, abs=0.03)


def test_stats_confidence_sequence_keeps_its_error_rate_when_peeking():
    # Under no difference, look after every 20 people per arm up to 400: the always-valid
    # interval may exclude 0 at some look in at most about alpha of the runs; the fixed
    # t interval looked at as often does far worse.
    rng = np.random.default_rng(11)
    runs, ever_seq, ever_fixed = 300, 0, 0
    for _ in range(runs):
        a, b = rng.normal(0, 1, 400), rng.normal(0, 1, 400)
        seq_hit = fixed_hit = False
        for n in range(20, 401, 20):
            se = math.sqrt(a[:n].var(ddof=1) / n + b[:n].var(ddof=1) / n)
            d = float(a[:n].mean() - b[:n].mean())
            seq_hit |= stats.confidence_sequence(d, se, tau=0.25).rejects_zero
            fixed_hit |= abs(d / se) > 1.96
        ever_seq += seq_hit
        ever_fixed += fixed_hit
    assert ever_seq / runs <= 0.07
    assert ever_fixed / runs > 0.12
    wide = stats.confidence_sequence(0.3, 0.1, tau=0.25)
    assert wide.low < 0.3 - 1.96 * 0.1 and wide.high > 0.3 + 1.96 * 0.1
