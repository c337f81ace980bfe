"""Ranking signal "review due": retrieval practice on a skill the person is about to forget.

Memory per skill comes from the FSRS model (:mod:`learnwire.core.learner.memory`), built
from the person's own practice by :mod:`learnwire.core.learner.recall`. A skill is due when
the probability of recalling it has fallen to the desired retention (FSRS's default, 0.9);
the further below, the more urgent, up to :data:`FULLY_DUE`. Skills the person needs (role,
goals, stated priorities) count fully, others less; formats with questions (retrieval
practice) count fully, others less.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from ..learner.memory import DECAY, FACTOR
from ..learner.recall import days_since_review
from ..learner.state import LearnerState
from .context import RankContext
from .items import FORMATS
from .signals import RankingSignal

#: Recall probability at which a review falls due (FSRS's default desired retention) and
#: at which it is fully due.
RETENTION = 0.9
FULLY_DUE = 0.6
#: Weight of a skill the person does not currently need, and of a format without questions.
OTHER_SKILL = 0.3
NO_QUESTIONS = 0.4
#: Formats whose questions make a review retrieval practice rather than re-reading.
RETRIEVAL_FORMATS = ("exercise", "simulation", "assessment")
_RETRIEVAL_CODES = [FORMATS.index(f) for f in RETRIEVAL_FORMATS]


def retrievability(state: LearnerState, at: datetime) -> np.ndarray:
    """P(recall) per skill at ``at``; NaN for skills never practised."""
    days = np.maximum(days_since_review(state, at), 0.0)
    stability = state.memory_stability.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (1.0 + FACTOR * days / stability) ** DECAY
    return np.where(stability > 0, r, np.nan)


def due(state: LearnerState, at: datetime) -> np.ndarray:
    """How due a review is per skill, in [0, 1] (0: not due, or never practised)."""
    r = retrievability(state, at)
    urgency = np.clip((RETENTION - r) / (RETENTION - FULLY_DUE), 0.0, 1.0)
    return np.nan_to_num(urgency, nan=0.0)


def _need(state: LearnerState) -> np.ndarray:
    needed = (state.target > 0) | (state.goals > 0) | (state.stated_priority > 0)
    return np.where(needed, 1.0, OTHER_SKILL)


def _ago(days: float) -> str:
    if days < 2:
        return "a day"
    if days < 14:
        return f"{round(days)} days"
    if days < 60:
        return f"{round(days / 7)} weeks"
    months = round(days / 30.4)
    return "a month" if months <= 1 else f"{months} months"


class ReviewDue(RankingSignal):
    name = "review_due"
    default_weight = 1.2
    families = frozenset({"learning_activity"})
    theme = "review"

    def _skill_need(self, ctx: RankContext) -> np.ndarray:
        return due(ctx.state, ctx.at) * _need(ctx.state)

    def score(self, *, view: RankContext, candidates: np.ndarray) -> np.ndarray:
        idx = np.asarray(candidates, dtype=np.int64)
        need = self._skill_need(view)
        if not need.any():
            return np.zeros(len(idx), np.float32)
        value = np.clip(view.items.item_skill[idx] @ need, 0.0, 1.0)
        retrieval = np.isin(view.items.format_code[idx], _RETRIEVAL_CODES)
        return (value * np.where(retrieval, 1.0, NO_QUESTIONS)).astype(np.float32)

    def describe(self, *, view: RankContext, item: int) -> str:
        need = view.items.item_skill[item] * self._skill_need(view)
        if not need.any():
            return ""
        s = int(np.argmax(need))
        days = float(days_since_review(view.state, view.at)[s])
        skill = view.items.skills.names[s]
        return f"you last practised {skill} {_ago(days)} ago: a short review keeps it fresh"
