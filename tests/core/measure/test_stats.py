"""Estimates, intervals and concentration against values worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from learnwire.core.measure import stats
from learnwire.core.measure.periods import spans


def test_wilson_matches_the_textbook_interval_and_withholds_below_k():
    e = stats.wilson(7, 10, k=5)
    # Wilson 95% for 7/10: 0.3968 to 0.8922 (Newcombe 1998, table I method 3).
    assert (e.value, e.low, e.high, e.n) == (
        0.7,
        pytest.approx(0.3968, abs=1e-4),
        pytest.approx(0.8922, abs=1e-4),
        10,
    )
    assert stats.wilson(0, 4, k=5).status == "suppressed"
    assert stats.wilson(0, 0, k=5).status == "not_enough_data"
    assert stats.wilson(3, 3, people=9, k=5).high == 1.0


def test_gini_of_known_distributions():
    assert stats.gini([4, 4, 4, 4]) == 0
    assert stats.gini([0, 0, 0, 10]) == pytest.approx(3 / 4)  # one of n items takes all
    assert stats.gini([1, 2, 3, 4]) == pytest.approx(0.25)  # (2*1-5)*1+...: 10/40
    assert np.isnan(stats.gini([0, 0]))


def test_bootstrap_is_repeatable_covers_the_mean_and_says_when_there_is_nothing():
    values = np.arange(20, dtype=float)
    a, b = stats.mean(values, k=5), stats.mean(values, k=5)
    assert a == b and a.value == 9.5 and a.low < 9.5 < a.high and a.n == 20
    assert "percentile bootstrap" in a.method
    assert stats.mean([], k=5).status == "not_enough_data"
    assert stats.mean([1.0, 2.0], k=5).status == "suppressed"
    pooled = stats.ratio([2, 1, 0, 1, 1], [3, 1, 1, 1, 1], k=5)
    assert pooled.value == pytest.approx(5 / 7, abs=1e-4) and pooled.n == 5
    assert stats.ratio([1, 1], [0, 0], k=1).status == "not_enough_data"
    assert "withheld" in stats.suppressed(3, "m").text()
    assert stats.not_enough(0, "m").text() == "not enough data yet (n=0)"


def test_periods_are_calendar_periods_clipped_to_the_window():
    since, until = datetime(2026, 8, 28, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC)
    months = spans(since, until, "month")
    assert [m.label for m in months] == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert months[0].start == since and months[-1].end == until
    assert months[1].start == datetime(2026, 9, 1, tzinfo=UTC)
    assert [q.label for q in spans(since, until, "quarter")] == ["2026-Q3", "2026-Q4"]
    weeks = spans(since, until, "week")
    assert weeks[1].start.weekday() == 0 and weeks[0].label == "2026-W35"
    unknown: Any = "decade"
    with pytest.raises(ValueError, match="period must be one of"):
        spans(since, until, unknown)
    with pytest.raises(ValueError, match="the window is empty"):
        spans(until, since, "month")
