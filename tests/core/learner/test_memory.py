"""FSRS memory per skill: the published formulas and defaults, and scheduling on a known
forgetting curve."""

from __future__ import annotations

import itertools
import math

import pytest

from learnwire.core.learner import memory

# FSRS-5 defaults as published (py-fsrs, fsrs4anki wiki "The Algorithm").
PUBLISHED_W = [
    0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192,
    1.01925, 1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621,
]  # fmt: skip


def test_memory_defaults_and_curve_are_fsrs5():
    assert list(memory.DEFAULT_W) == PUBLISHED_W
    assert pytest.approx(19 / 81) == memory.FACTOR
    # Stability is by definition the time at which recall has fallen to 90%.
    for s in (0.5, 3.0, 40.0):
        assert memory.retrievability(s, s) == pytest.approx(0.9)
        assert memory.retrievability(0.0, s) == 1.0
        assert memory.interval(s) == pytest.approx(s)
        for r in (0.7, 0.8, 0.95):
            assert memory.retrievability(memory.interval(s, r), s) == pytest.approx(r)
    # The power curve: (1 + 19/81 * t / S) ** -0.5, e.g. t = 10 S.
    assert memory.retrievability(30.0, 3.0) == pytest.approx((1 + 19 / 81 * 10) ** -0.5)


def test_memory_review_follows_published_formulas():
    w = PUBLISHED_W
    first = memory.review(None, memory.GOOD, at=0.0)
    assert first.stability == pytest.approx(w[2])
    d0 = w[4] - math.exp(w[5] * 2) + 1
    assert first.difficulty == pytest.approx(d0)
    # Recalled ("good") after 5 days: stability grows by the recall formula.
    r = (1 + 19 / 81 * 5 / w[2]) ** -0.5
    growth = math.exp(w[8]) * (11 - d0) * w[2] ** -w[9] * (math.exp(w[10] * (1 - r)) - 1)
    d_mr = w[7] * (w[4] - math.exp(w[5] * 3) + 1) + (1 - w[7]) * d0  # good: no change first
    second = memory.review(first, memory.GOOD, at=5.0)
    assert second.stability == pytest.approx(w[2] * (1 + growth))
    assert second.difficulty == pytest.approx(d_mr)
    # Forgotten ("again") after 5 days: the post-lapse formula, never above the old stability.
    lapse = memory.review(first, memory.AGAIN, at=5.0)
    forgot = w[11] * d0 ** -w[12] * ((w[2] + 1) ** w[13] - 1) * math.exp(w[14] * (1 - r))
    assert lapse.stability == pytest.approx(min(w[2], forgot))
    assert lapse.difficulty > first.difficulty
    # The same day: the short-term formula.
    same_day = memory.review(first, memory.GOOD, at=0.2)
    assert same_day.stability == pytest.approx(w[2] * math.exp(w[17] * w[18]))
    with pytest.raises(ValueError, match="grade"):
        memory.review(first, 5, at=1.0)


def test_memory_spaced_reviews_on_the_forgetting_curve_expand_and_lapses_shrink():
    # Reviewing each time recall reaches 90% (when the signal turns due), always right:
    # every interval is longer than the one before, as the forgetting curve flattens.
    state = memory.review(None, memory.GOOD, at=0.0)
    day, intervals = 0.0, []
    for _ in range(6):
        gap = memory.interval(state.stability)
        assert memory.retrievability(gap, state.stability) == pytest.approx(0.9)
        day += gap
        intervals.append(gap)
        state = memory.review(state, memory.GOOD, at=day)
    assert all(b > a for a, b in itertools.pairwise(intervals))
    # A lapse makes the next review come sooner than the last interval.
    lapsed = memory.review(state, memory.AGAIN, at=day + memory.interval(state.stability))
    assert memory.interval(lapsed.stability) < intervals[-1]


def test_memory_sessions_group_answers_and_grade_by_share_right():
    mem = memory.SkillMemory()
    hour = 1 / 24
    for k in range(5):  # five answers within minutes: one review, 4/5 right -> good
        mem.answer("sql", k != 2, 10.0 + k * 0.1 * hour)
    assert mem.state("sql") == memory.review(None, memory.GOOD, at=10.0)
    mem.answer("sql", False, 20.0)  # ten days later, wrong: a second review, "again"
    mem.answer("sql", False, 20.0 + 0.2 * hour)
    expected = memory.review(memory.review(None, memory.GOOD, 10.0), memory.AGAIN, 20.0)
    assert mem.state("sql") == expected
    assert mem.last_practised("sql") == pytest.approx(20.0 + 0.2 * hour)
    mem.practise("stats", 3.0)  # an item finished without answers: a "good" review
    assert mem.state("stats") == memory.review(None, memory.GOOD, at=3.0)
    assert memory.grade_of(1, 3) == memory.AGAIN and memory.grade_of(3, 5) == memory.HARD
