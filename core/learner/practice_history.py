"""One learner's practice history, summarised in constant space per skill and updated in
constant time per answer: the features the logistic knowledge-tracing model reads
(:mod:`learnwire.core.learner.kt_logistic`).

The features follow the "Best-LR" family of Gervet et al. (2020, "When is deep learning the
best approach to knowledge tracing?", JEDM 12(3)) and PFA (Pavlik, Cen & Koedinger, 2009):
counts of earlier right and wrong answers on the skill and overall, on a log scale, plus the
recent past: answers weighted down with each later attempt (R-PFA, Galyardt & Goldin 2015)
and with elapsed time (Best-LR's time windows, as exponential windows so they update in O(1)
instead of keeping every timestamp). Time features are zero when answers carry no time.

Even the "counts" fade slowly (by :data:`COUNT_DECAY` per later attempt on the skill,
:data:`ALL_DECAY` per later answer overall), so no feature grows without bound: raw
cumulative counts, as PFA uses them, take values on a learner with thousands of answers on
one skill that the fit never saw, and the model's weights extrapolate badly there.

The history also carries BKT's mastery per skill (as log-odds, see
:func:`learnwire.core.learner.bkt.logit_update`), and BKT's prediction is one more feature:
BKT with forgetting tracks a learner who is stuck, or past a skill, over runs of hundreds of
answers, where counts of answers extrapolate badly.

Fitting and serving build these features with the same code, so what the model was fitted on
is exactly what it sees when it predicts.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

from .bkt import BKTParams, logit, logit_update, predict_from_logit

#: Per-attempt decay of the recency-weighted counts on a skill (fast, slow) and overall.
SKILL_DECAYS = (0.5, 0.85)
ANY_DECAY = 0.7
#: Per-attempt decay of the long-run counts: on a skill, half-weight after ~35 attempts
#: (at most 50 in effect); overall, after ~140 answers (at most 200). Set a priori, not fitted.
COUNT_DECAY = 0.98
ALL_DECAY = 0.995
#: Time constants (days) of the exponential time windows: about a day, a week, a month.
WINDOWS_DAYS = (1.0, 7.0, 30.0)

#: Dense feature names, in the order :meth:`PracticeHistory.features` returns them. The
#: ``log_right``/``log_wrong`` counts are the slowly fading ones (``log1p`` of the count).
FEATURES: tuple[str, ...] = (
    "intercept",
    "first_attempt",
    "log_right_skill",
    "log_wrong_skill",
    "recent_right_skill_fast",
    "recent_wrong_skill_fast",
    "recent_right_skill_slow",
    "recent_wrong_skill_slow",
    "last_skill",
    "second_last_skill",
    "last_skill_by_log_attempts",
    "streak_skill",
    "log_right_all",
    "log_wrong_all",
    "last_any",
    "recent_right_any",
    "recent_wrong_any",
    "log_days_since_skill",
    "log_days_since_any",
    *(f"{kind}_{int(w)}d" for w in WINDOWS_DAYS for kind in ("right", "wrong")),
    "bkt_logit",
)
#: Features that also get a coefficient per skill (a deviation from the shared one, shrunk
#: towards zero): the skill's easiness, how fast right and wrong answers move it (PFA's
#: gamma and rho), how much the recent answers on it say and how much general ability does.
#: Chosen on a validation split of the ASSISTments 2009 training learners, never the test.
SKILL_FEATURES: tuple[str, ...] = (
    "intercept",
    "log_right_skill",
    "log_wrong_skill",
    "recent_right_skill_fast",
    "recent_wrong_skill_fast",
    "recent_right_skill_slow",
    "recent_wrong_skill_slow",
    "last_skill",
    "log_right_all",
    "log_wrong_all",
    "bkt_logit",
)
SKILL_COLUMNS: tuple[int, ...] = tuple(FEATURES.index(f) for f in SKILL_FEATURES)

# Slots of a skill's state list (a list, not an object: this runs once per answer).
_RIGHT, _WRONG, _FR, _FW, _SR, _SW, _LAST, _LAST2, _STREAK, _AT, _BKT = range(11)
_WINDOW0 = 11  # then right/wrong per window


class PracticeHistory:
    """Summary of one learner's answers so far; ``at`` is in days (any origin) or None."""

    __slots__ = (
        "_at",
        "_dright",
        "_dwrong",
        "_last",
        "_recent_r",
        "_recent_w",
        "_right",
        "_skills",
        "_wrong",
    )

    def __init__(self) -> None:
        self._skills: dict[Hashable, list[float]] = {}
        self._right = self._wrong = 0
        self._dright = self._dwrong = 0.0
        self._last = 0.0
        self._recent_r = self._recent_w = 0.0
        self._at: float | None = None

    def __len__(self) -> int:
        """Answers observed."""
        return self._right + self._wrong

    def skills(self) -> list[Hashable]:
        return list(self._skills)

    def features(self, skill: Hashable, bkt: BKTParams, at: float | None = None) -> list[float]:
        """Features (:data:`FEATURES`) of the next answer on ``skill`` at time ``at``;
        ``bkt`` are the skill's BKT parameters."""
        st = self._skills.get(skill)
        any_since = 0.0 if at is None or self._at is None else math.log1p(max(at - self._at, 0.0))
        head = [
            1.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            math.log1p(self._dright),
            math.log1p(self._dwrong),
            self._last,
            self._recent_r,
            self._recent_w,
            0.0,
            any_since,
        ]
        windows = [0.0] * (2 * len(WINDOWS_DAYS))
        if st is None:
            head[1] = 1.0
            return [*head, *windows, logit(predict_from_logit(logit(bkt.prior), bkt))]
        log_r, log_w = math.log1p(st[_RIGHT]), math.log1p(st[_WRONG])
        last, streak = st[_LAST], st[_STREAK]
        # In a long run answers repeat more (mastery-learning logs: a learner stuck on a
        # skill, or past it), so the last answer's weight grows with the run's length.
        head[2:12] = [
            log_r,
            log_w,
            st[_FR],
            st[_FW],
            st[_SR],
            st[_SW],
            last,
            st[_LAST2],
            last * math.log1p(st[_RIGHT] + st[_WRONG]),
            math.copysign(math.log1p(streak), last),
        ]
        last_at = st[_AT]
        if at is not None and last_at == last_at:  # NaN: answered without a time
            gap = max(at - last_at, 0.0)
            head[17] = math.log1p(gap)
            for k, tau in enumerate(WINDOWS_DAYS):
                fade = math.exp(-gap / tau)
                windows[2 * k] = st[_WINDOW0 + 2 * k] * fade
                windows[2 * k + 1] = st[_WINDOW0 + 2 * k + 1] * fade
        return [*head, *windows, logit(predict_from_logit(st[_BKT], bkt))]

    def observe(
        self, skill: Hashable, correct: bool | int, bkt: BKTParams, at: float | None = None
    ) -> None:
        """Fold one answer in: O(1)."""
        y = 1.0 if correct else 0.0
        st = self._skills.get(skill)
        if st is None:
            st = [0.0] * (_WINDOW0 + 2 * len(WINDOWS_DAYS))
            st[_AT] = math.nan
            st[_BKT] = logit(bkt.prior)
            self._skills[skill] = st
        st[_BKT] = logit_update(st[_BKT], correct, bkt)
        fast, slow = SKILL_DECAYS
        st[_RIGHT] = COUNT_DECAY * st[_RIGHT] + y
        st[_WRONG] = COUNT_DECAY * st[_WRONG] + 1.0 - y
        st[_FR], st[_FW] = fast * st[_FR] + y, fast * st[_FW] + 1.0 - y
        st[_SR], st[_SW] = slow * st[_SR] + y, slow * st[_SW] + 1.0 - y
        sign = 2.0 * y - 1.0
        st[_STREAK] = st[_STREAK] + 1.0 if st[_LAST] == sign else 1.0
        st[_LAST2], st[_LAST] = st[_LAST], sign
        if at is not None:
            last_at = st[_AT]
            gap = max(at - last_at, 0.0) if last_at == last_at else 0.0
            for k, tau in enumerate(WINDOWS_DAYS):
                fade = math.exp(-gap / tau) if gap else 1.0
                st[_WINDOW0 + 2 * k] = st[_WINDOW0 + 2 * k] * fade + y
                st[_WINDOW0 + 2 * k + 1] = st[_WINDOW0 + 2 * k + 1] * fade + 1.0 - y
            st[_AT] = at
            self._at = at
        if correct:
            self._right += 1
        else:
            self._wrong += 1
        self._dright = ALL_DECAY * self._dright + y
        self._dwrong = ALL_DECAY * self._dwrong + 1.0 - y
        self._last = 2.0 * y - 1.0
        self._recent_r = ANY_DECAY * self._recent_r + y
        self._recent_w = ANY_DECAY * self._recent_w + 1.0 - y
