"""What the learner model expects of a person's next answers and of their memory, per skill.

Replays the governed view's events once, in time order, O(1) per event:

* the logistic knowledge-tracing model's practice history
  (:mod:`learnwire.core.learner.kt_logistic`), giving ``p_correct``, P(the next answer on
  each skill is right); without a fitted model, BKT's own prediction from ``known_logit``;
* the FSRS memory per skill (:mod:`learnwire.core.learner.memory`), giving each practised
  skill's stability and when its last review began, from which retrievability at any later
  moment follows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from . import engagement
from .bkt import predict_from_logit
from .mastery import is_correct
from .memory import SkillMemory
from .org import OrgContext
from .practice_history import PracticeHistory
from .state import LearnerState

SECONDS_PER_DAY = 86400.0


def trace(state: LearnerState, events: Any, org: OrgContext, now: datetime) -> None:
    """Fill ``state.p_correct``, ``state.memory_stability`` and ``state.memory_review_at``."""
    index = org.skill_index
    kt = org.kt
    history = PracticeHistory()
    memory = SkillMemory()
    for e in events:
        skills = [k for k in e.skill_ids if k in index]
        if not skills:
            continue
        at = e.occurred_at.timestamp() / SECONDS_PER_DAY
        ok = is_correct(e.success, e.score_scaled) if e.data_category == "assessment" else None
        if ok is not None:
            for skill in skills:
                memory.answer(index[skill], ok, at)
                if kt is not None:
                    kt.observe(history, skill, ok, at)
        elif e.completion or engagement.verb_kind(e.verb) == "complete":
            for skill in skills:
                memory.practise(index[skill], at)
    today = now.timestamp() / SECONDS_PER_DAY
    state.answer_model = kt
    state.answer_history = history if kt is not None else None
    for skill, s in index.items():
        if kt is not None:
            state.p_correct[s] = kt.predict(history, skill, None, today)
        else:
            state.p_correct[s] = predict_from_logit(float(state.known_logit[s]), org.params[s])
    for s in index.values():
        remembered = memory.state(s)
        if remembered is not None:
            state.memory_stability[s] = remembered.stability
            state.memory_review_at[s] = remembered.last_review


def observe_answer(
    state: LearnerState, skill: str, s: int, params: Any, correct: bool, at: datetime
) -> None:
    """One more answer on ``skill`` (index ``s``, BKT ``params``) after the state was built
    and after :func:`learnwire.core.learner.replay.observe_answer` took it: ``p_correct[s]``
    follows, from the logistic model's history where one is fitted, else from BKT."""
    kt = state.answer_model
    if kt is None or state.answer_history is None:
        state.p_correct[s] = predict_from_logit(float(state.known_logit[s]), params)
        return
    day = at.timestamp() / SECONDS_PER_DAY
    kt.observe(state.answer_history, skill, correct, day)
    state.p_correct[s] = kt.predict(state.answer_history, skill, None, day)


def days_since_review(state: LearnerState, now: datetime) -> np.ndarray:
    """Days since each skill's last review (NaN where never practised)."""
    return now.timestamp() / SECONDS_PER_DAY - state.memory_review_at
