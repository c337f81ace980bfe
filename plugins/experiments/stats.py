"""Statistics for experiment reports: pure functions, no I/O.

- :func:`welch`: Welch's t-test for a difference in means (unequal variances), two-sided,
  with its t-based confidence interval. The t distribution is computed here (regularised
  incomplete beta by continued fraction) because scipy is not a dependency.
- :func:`bootstrap_diff`: percentile bootstrap interval for a difference in means (for a
  0/1 outcome, a difference in proportions), resampling each arm separately.
- :func:`newcombe`: Newcombe's hybrid Wilson score interval for a difference in proportions.
- :func:`mde`: the minimum detectable effect for given group sizes, alpha and power.
- :func:`confidence_sequence`: the mixture sequential probability ratio test's always-valid
  interval (normal mixture, Johari, Pekelis & Walsh 2017; Howard et al. 2021): looking at it
  as often as one likes keeps the chance of ever excluding the true effect below alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean, variance

import numpy as np

_NORMAL = NormalDist()


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if math.isinf(df):
        return _NORMAL.cdf(t)
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (bisection on :func:`t_cdf`)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Comparison:
    """Treatment minus control: the difference, its interval and the test's p-value."""

    difference: float
    low: float
    high: float
    p_value: float
    statistic: float
    df: float
    standard_error: float


def welch(treatment: Sequence[float], control: Sequence[float], alpha: float = 0.05) -> Comparison:
    """Welch's two-sided t-test of equal means and the (1 - alpha) interval of the difference."""
    n1, n2 = len(treatment), len(control)
    if n1 < 2 or n2 < 2:
        raise ValueError("each group needs at least two values")
    v1, v2 = variance(treatment) / n1, variance(control) / n2
    diff = fmean(treatment) - fmean(control)
    se = math.sqrt(v1 + v2)
    if se == 0.0:
        # Every value equal within each group: the difference is known exactly.
        return Comparison(diff, diff, diff, 1.0 if diff == 0 else 0.0, 0.0, math.inf, 0.0)
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    t = diff / se
    # The two-sided tail directly (not 1 - cdf), so tiny p-values keep their digits.
    p = betainc(df / 2.0, 0.5, df / (df + t * t))
    half = t_quantile(1.0 - alpha / 2.0, df) * se
    return Comparison(diff, diff - half, diff + half, min(1.0, p), t, df, se)


def bootstrap_diff(
    treatment: Sequence[float],
    control: Sequence[float],
    *,
    alpha: float = 0.05,
    reps: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap (1 - alpha) interval for mean(treatment) - mean(control)."""
    a, b = np.asarray(treatment, float), np.asarray(control, float)
    if a.size == 0 or b.size == 0:
        raise ValueError("each group needs at least one value")
    rng = np.random.default_rng(seed)
    means_a = a[rng.integers(0, a.size, size=(reps, a.size))].mean(axis=1)
    means_b = b[rng.integers(0, b.size, size=(reps, b.size))].mean(axis=1)
    low, high = np.quantile(means_a - means_b, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def wilson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    z = _NORMAL.inv_cdf(1.0 - alpha / 2.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def newcombe(s1: int, n1: int, s2: int, n2: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p2 (method 10 of Newcombe 1998)."""
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1, alpha)
    l2, u2 = wilson(s2, n2, alpha)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def mde(n1: int, n2: int, sd: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest true difference a two-sided test at ``alpha`` detects with ``power``
    (normal approximation), for groups of ``n1`` and ``n2`` with outcome spread ``sd``."""
    if n1 < 1 or n2 < 1:
        return math.inf
    z = _NORMAL.inv_cdf(1.0 - alpha / 2.0) + _NORMAL.inv_cdf(power)
    return z * sd * math.sqrt(1.0 / n1 + 1.0 / n2)


def sample_size(effect: float, sd: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """People per arm (two equal arms) for :func:`mde` to reach ``effect``."""
    z = _NORMAL.inv_cdf(1.0 - alpha / 2.0) + _NORMAL.inv_cdf(power)
    return max(2, math.ceil(2.0 * (z * sd / effect) ** 2))


@dataclass(frozen=True)
class Sequential:
    """The always-valid interval and whether the mSPRT has rejected "no difference"."""

    low: float
    high: float
    rejects_zero: bool
    tau: float


def confidence_sequence(
    difference: float, standard_error: float, *, tau: float, alpha: float = 0.05
) -> Sequential:
    """Always-valid (1 - alpha) interval for a difference estimated as ``difference`` with
    ``standard_error``, from the mSPRT with a N(0, tau^2) mixture over the effect.

    With V = se^2, the likelihood ratio of "effect = theta0" is
    sqrt(V / (V + tau^2)) * exp(tau^2 (d - theta0)^2 / (2 V (V + tau^2))); the interval holds
    every theta0 whose ratio stays below 1 / alpha.
    """
    if tau <= 0:
        raise ValueError("tau must be positive")
    v, t2 = standard_error**2, tau * tau
    if v == 0.0:
        return Sequential(difference, difference, difference != 0.0, tau)
    half = math.sqrt(v * (v + t2) / t2 * (2.0 * math.log(1.0 / alpha) + math.log((v + t2) / v)))
    low, high = difference - half, difference + half
    return Sequential(low, high, not (low <= 0.0 <= high), tau)
