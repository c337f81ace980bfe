"""Memory per person and skill: when practice is due again before it is forgotten.

The model is FSRS-5, the Free Spaced Repetition Scheduler (Ye, Su & Cao, "A Stochastic
Shortest Path Algorithm for Optimizing Spaced Repetition Scheduling", KDD 2022; Su, Ye et
al., "Optimizing Spaced Repetition Schedule by Capturing the Dynamics of Memory", IEEE TKDE
2023; formulas and default parameters as published in "The Algorithm", FSRS-5, in the
open-spaced-repetition/fsrs4anki wiki, and in py-fsrs). On the open-spaced-repetition
benchmark of about 350 million reviews it predicts recall better than SM-2 and Duolingo's
half-life regression. Each skill a person practised carries:

* stability ``S``: days until the probability of recall falls to 90%;
* difficulty ``D`` in [1, 10];
* retrievability ``R(t, S) = (1 + FACTOR t / S) ** DECAY`` after ``t`` days, with
  ``DECAY = -0.5`` and ``FACTOR = 19/81`` (so ``R(S, S) = 0.9``).

After a review graded ``G`` (1 again, 2 hard, 3 good, 4 easy):

* first review: ``S = w[G-1]``, ``D = w4 - exp(w5 (G - 1)) + 1``;
* difficulty: ``D' = D - w6 (G - 3) (10 - D) / 9``, then mean reversion
  ``D'' = w7 D0(4) + (1 - w7) D'``, clamped to [1, 10];
* recalled (``G >= 2``): ``S' = S (1 + e^w8 (11 - D) S^-w9 (e^(w10 (1 - R)) - 1) h b)`` with
  ``h = w15`` if hard, ``b = w16`` if easy;
* forgotten (``G = 1``): ``S' = min(S, w11 D^-w12 ((S + 1)^w13 - 1) e^(w14 (1 - R)))``;
* the same day (``t < 1``): ``S' = S e^(w17 (G - 3 + w18))``.

A review here is a practice session on the skill: answers on it less than
:data:`SESSION_GAP_DAYS` apart form one review, graded by the share answered right
(:func:`grade_of`); finishing an item on the skill without answers is a review graded good.
The next review is due when R falls to the desired retention (0.9 by default, FSRS's own).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

#: FSRS-5's published default parameters w0..w18.
DEFAULT_W: tuple[float, ...] = (
    0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192,
    1.01925, 1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621,
)  # fmt: skip
DECAY = -0.5
FACTOR = 0.9 ** (1 / DECAY) - 1  # 19/81
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
#: Answers closer together than this (one hour) are one practice session, one review.
SESSION_GAP_DAYS = 1.0 / 24


@dataclass(frozen=True)
class MemoryState:
    stability: float
    difficulty: float
    last_review: float  # days, on the caller's clock
    reviews: int = 1


def retrievability(elapsed_days: float, stability: float) -> float:
    """P(recall) ``elapsed_days`` after the last review."""
    return (1.0 + FACTOR * max(elapsed_days, 0.0) / stability) ** DECAY


def interval(stability: float, retention: float = 0.9) -> float:
    """Days from a review until recall falls to ``retention``."""
    return stability / FACTOR * (retention ** (1.0 / DECAY) - 1.0)


def grade_of(right: int, answered: int) -> int:
    """Grade of a practice session from its answers: mostly wrong is "again", a mixed
    result "hard", otherwise "good" (FSRS's pass/fail mapping, with "hard" between)."""
    if answered <= 0:
        return GOOD
    share = right / answered
    if share < 0.5:
        return AGAIN
    return HARD if share < 0.8 else GOOD


def _initial_difficulty(grade: int, w: tuple[float, ...]) -> float:
    return w[4] - math.exp(w[5] * (grade - 1)) + 1.0


def _clamp(d: float) -> float:
    return min(max(d, 1.0), 10.0)


def review(state: MemoryState | None, grade: int, at: float, w=DEFAULT_W) -> MemoryState:
    """The memory state after a review graded ``grade`` at day ``at``."""
    if grade not in (AGAIN, HARD, GOOD, EASY):
        raise ValueError(f"grade must be 1..4, got {grade}")
    if state is None:
        return MemoryState(w[grade - 1], _clamp(_initial_difficulty(grade, w)), at)
    elapsed = at - state.last_review
    s, d = state.stability, state.difficulty
    delta = -w[6] * (grade - 3)
    d_next = d + delta * (10.0 - d) / 9.0
    d_next = _clamp(w[7] * _initial_difficulty(EASY, w) + (1.0 - w[7]) * d_next)
    if elapsed < 1.0:
        s_next = s * math.exp(w[17] * (grade - 3 + w[18]))
    else:
        r = retrievability(elapsed, s)
        if grade == AGAIN:
            forgot = w[11] * d ** -w[12] * ((s + 1.0) ** w[13] - 1.0) * math.exp(w[14] * (1 - r))
            s_next = min(s, forgot)
        else:
            hard = w[15] if grade == HARD else 1.0
            easy = w[16] if grade == EASY else 1.0
            growth = math.exp(w[8]) * (11.0 - d) * s ** -w[9] * (math.exp(w[10] * (1 - r)) - 1)
            s_next = s * (1.0 + growth * hard * easy)
    return MemoryState(max(s_next, 0.01), d_next, at, state.reviews + 1)


@dataclass
class SkillMemory:
    """One person's memory per skill, fed practice in time order (``at`` in days)."""

    w: tuple[float, ...] = DEFAULT_W
    states: dict[Hashable, MemoryState] = field(default_factory=dict)
    # Open session per skill: (first at, last at, right, answered).
    _open: dict[Hashable, tuple[float, float, int, int]] = field(default_factory=dict)

    def answer(self, skill: Hashable, correct: bool, at: float) -> None:
        self._add(skill, at, 1 if correct else 0, 1)

    def practise(self, skill: Hashable, at: float) -> None:
        """Practice without answers (an item finished): joins the session, ungraded."""
        self._add(skill, at, 0, 0)

    def _add(self, skill: Hashable, at: float, right: int, answered: int) -> None:
        open_ = self._open.get(skill)
        if open_ is not None and at - open_[1] < SESSION_GAP_DAYS:
            self._open[skill] = (open_[0], at, open_[2] + right, open_[3] + answered)
            return
        if open_ is not None:
            self._close(skill, open_)
        self._open[skill] = (at, at, right, answered)

    def _close(self, skill: Hashable, session: tuple[float, float, int, int]) -> None:
        start, _, right, answered = session
        self.states[skill] = review(
            self.states.get(skill), grade_of(right, answered), start, self.w
        )

    def state(self, skill: Hashable) -> MemoryState | None:
        """Memory after everything observed so far (the open session included)."""
        open_ = self._open.get(skill)
        if open_ is None:
            return self.states.get(skill)
        start, _, right, answered = open_
        return review(self.states.get(skill), grade_of(right, answered), start, self.w)

    def last_practised(self, skill: Hashable) -> float | None:
        open_ = self._open.get(skill)
        return open_[1] if open_ is not None else None

    def skills(self) -> list[Hashable]:
        return list(self._open)
