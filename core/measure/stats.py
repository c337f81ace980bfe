"""Estimates with their intervals, and the concentration measures of recommender toolkits.

Every figure a report shows is an :class:`Estimate`: the value, a 95% interval, how many
units (people, teams, answers) it rests on and the method that gave the interval. A figure
resting on fewer than k people is suppressed (no value at all), and one with nothing behind
it yet says so instead of showing a zero.

- proportions: the Wilson score interval (exact enough at small n, never outside [0, 1]);
- anything else: the percentile bootstrap over the units (people, or teams), seeded, so a
  report run twice on the same data prints the same interval. Ratios whose numerator and
  denominator both come from each person (answers) resample people, not answers: one keen
  answerer must not narrow the interval as if every answer were independent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

Status = Literal["ok", "not_enough_data", "suppressed"]
#: 95% intervals; bootstrap resamples (enough for a stable 2.5/97.5 percentile at report
#: precision, and cheap: a few milliseconds per figure for thousands of people).
Z95 = 1.959964
RESAMPLES = 2000
SEED = 20261206


class Estimate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int
    method: str
    status: Status = "ok"

    @property
    def shown(self) -> bool:
        return self.status == "ok" and self.value is not None

    def text(self, percent: bool = False, digits: int = 2) -> str:
        """The estimate in words: "0.42 (95% 0.31-0.55, n=80, Wilson score)"."""
        if self.status == "suppressed":
            return f"withheld (fewer than k people; n={self.n})" if self.n else "withheld"
        if self.value is None:
            return f"not enough data yet (n={self.n})"

        def f(x: float) -> str:
            return f"{100 * x:.{max(0, digits - 2)}f}%" if percent else f"{x:.{digits}f}"

        if self.low is None or self.high is None:
            return f"{f(self.value)} (n={self.n}, {self.method})"
        return f"{f(self.value)} (95% {f(self.low)} to {f(self.high)}, n={self.n}, {self.method})"


def suppressed(n: int, method: str) -> Estimate:
    return Estimate(value=None, n=n, method=method, status="suppressed")


def not_enough(n: int, method: str) -> Estimate:
    return Estimate(value=None, n=n, method=method, status="not_enough_data")


def wilson(successes: int, n: int, *, people: int | None = None, k: int) -> Estimate:
    """Share ``successes / n`` with its Wilson score interval; ``people`` (default ``n``)
    is how many people stand behind it, checked against ``k``."""
    method = "Wilson score"
    behind = n if people is None else people
    if n == 0:
        return not_enough(n, method)
    if behind < k:
        return suppressed(behind, method)
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(
        value=_r(p),
        low=_r(max(0.0, centre - half)),
        high=_r(min(1.0, centre + half)),
        n=n,
        method=method,
    )


def bootstrap(
    units: Sequence[object] | np.ndarray,
    statistic: Callable[[np.ndarray], float],
    *,
    k: int,
    people: int | None = None,
    method: str = "percentile bootstrap",
    seed: int = SEED,
) -> Estimate:
    """``statistic`` of ``units`` (an array, one row per unit) with a percentile bootstrap
    interval over the units. ``statistic`` gets an index array into the units."""
    n = len(units)
    behind = n if people is None else people
    label = f"{method}, {RESAMPLES} resamples"
    if n == 0:
        return not_enough(n, label)
    if behind < k:
        return suppressed(behind, label)
    value = statistic(np.arange(n))
    if not math.isfinite(value):
        return not_enough(n, label)
    if n < 2:
        return Estimate(value=_r(value), n=n, method=label)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(RESAMPLES, n))
    stats = np.array([statistic(d) for d in draws])
    stats = stats[np.isfinite(stats)]
    if len(stats) < RESAMPLES // 2:
        return Estimate(value=_r(value), n=n, method=label)
    low, high = np.percentile(stats, [2.5, 97.5])
    return Estimate(value=_r(value), low=_r(low), high=_r(high), n=n, method=label)


def mean(values: Sequence[float] | np.ndarray, *, k: int, people: int | None = None) -> Estimate:
    """Mean with a percentile bootstrap interval over the values."""
    arr = np.asarray(values, np.float64)
    return bootstrap(
        arr, lambda i: float(arr[i].mean()) if len(i) else math.nan, k=k, people=people
    )


def ratio(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    *,
    k: int,
    units: str = "people",
) -> Estimate:
    """sum(numerators) / sum(denominators) over units that have a denominator, with a
    cluster bootstrap over the units (people, or teams). ``n`` is the number of units."""
    num = np.asarray(numerators, np.float64)
    den = np.asarray(denominators, np.float64)
    keep = den > 0
    num, den = num[keep], den[keep]

    def stat(i: np.ndarray) -> float:
        d = den[i].sum()
        return float(num[i].sum() / d) if d > 0 else math.nan

    return bootstrap(num, stat, k=k, method=f"cluster bootstrap over {units}")


def difference(
    group: Sequence[float] | np.ndarray,
    rest: Sequence[float] | np.ndarray,
    *,
    k: int,
    seed: int = SEED,
) -> Estimate:
    """mean(group) - mean(rest) with a percentile bootstrap resampling each side apart."""
    a = np.asarray(group, np.float64)
    b = np.asarray(rest, np.float64)
    label = f"two-sample percentile bootstrap, {RESAMPLES} resamples"
    n = len(a) + len(b)
    if min(len(a), len(b)) < k:
        return suppressed(min(len(a), len(b)), label)
    rng = np.random.default_rng(seed)
    da = a[rng.integers(0, len(a), size=(RESAMPLES, len(a)))].mean(axis=1)
    db = b[rng.integers(0, len(b), size=(RESAMPLES, len(b)))].mean(axis=1)
    low, high = np.percentile(da - db, [2.5, 97.5])
    return Estimate(value=_r(a.mean() - b.mean()), low=_r(low), high=_r(high), n=n, method=label)


def gini(counts: Sequence[float] | np.ndarray) -> float:
    """Gini index of how often each item was recommended, items never recommended included
    (0: every item equally often; near 1: a few items take everything). The form RecBole's
    ``GiniIndex`` and Elliot's ``Gini`` use: sum((2i - n - 1) x_(i)) / (n sum x) over the
    counts sorted ascending, i = 1..n."""
    x = np.sort(np.asarray(counts, np.float64))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return math.nan
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def _r(x: float) -> float:
    return round(float(x), 4)
