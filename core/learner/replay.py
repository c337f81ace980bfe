"""Replaying a person's evidence in time order: what each answer, finished item and part
of an item does to the learner model's levels, BKT mastery and pace.

:func:`build_state` replays everything at once; outcome reports read levels between events
through :class:`Replay`, which steps the same way. Practice credit fades between a skill's
events (and up to the moment a level is read) at the fitted forgetting rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ranker.items import ItemMatrix
from . import engagement, level
from .bkt import logit_transition, logit_update, sigmoid
from .mastery import is_correct
from .org import OrgContext
from .state import LearnerState

#: (skill, level before the answer, labelled difficulty, correct) per answer replayed.
Answers = list[tuple[int, float, float, bool]]
#: (item, day, levels before, share done) per item practised, for the practice curve's fit.
Practice = list[tuple[int, float, np.ndarray, float]]


@dataclass
class Replay:
    """Steps one person's state through their events; ``last`` holds each skill's last event
    time (POSIX seconds; -inf where none), so practice credit fades between events."""

    state: LearnerState
    items: ItemMatrix
    org: OrgContext
    answers: Answers | None = None
    practice: Practice | None = None
    last: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.last = np.full(len(self.org.skill_index), -np.inf)

    def run(self, events: Any) -> None:
        for e in events:
            self.observe(e)

    def fade_to(self, stamp: float) -> None:
        """Let the time up to ``stamp`` (POSIX seconds) pass without practice."""
        since = stamp - self.last
        self.state.fade(np.where(np.isfinite(since), np.maximum(since, 0.0) / 86400.0, 0.0))
        self.last = np.where(np.isfinite(self.last), np.maximum(self.last, stamp), self.last)

    def observe(self, e: Any) -> None:
        """One event's evidence: :func:`observe_answer`, :func:`observe_item` or
        :func:`observe_completion`, after the skill's practice credit faded since its last
        event."""
        state, items, org = self.state, self.items, self.org
        index = org.skill_index
        item = items.position.get(e.content_id) if e.content_id else None
        difficulty = float(items.difficulty[item]) if item is not None else 0.5
        minutes = float(items.duration[item]) if item is not None else 10.0
        skills = [index[k] for k in e.skill_ids if k in index]
        stamp = e.occurred_at.timestamp()
        if skills:
            since = stamp - self.last[skills]  # +inf before a skill's first event: no fading
            state.fade(np.where(np.isfinite(since), since / 86400.0, 0.0), skills)
            self.last[skills] = stamp
        if e.data_category == "assessment":
            ok = is_correct(e.success, e.score_scaled)
            if ok is not None:
                for s in skills:
                    if self.answers is not None:
                        self.answers.append((s, float(state.mastery[s]), difficulty, ok))
                    observe_answer(state, s, org.params[s], ok, difficulty)
        assessed = e.data_category == "assessment"
        if e.completion or engagement.verb_kind(e.verb) == "complete":
            if item is not None:
                if self.practice is not None:
                    self.practice.append((item, stamp / 86400.0, state.mastery.copy(), 1.0))
                observe_item(state, items, org, item, assessed=assessed)
            else:
                for s in skills:
                    observe_completion(
                        state, s, org.params[s], difficulty, minutes, assessed=assessed
                    )
        elif e.duration_seconds and item is not None and e.data_category == "behavioural":
            # Part of an item done (a video watched halfway) still taught something.
            share = min(0.95, e.duration_seconds / (60.0 * minutes))
            if self.practice is not None:
                self.practice.append((item, stamp / 86400.0, state.mastery.copy(), share))
            observe_item(state, items, org, item, share=share, assessed=False)


def observe_answer(
    state: LearnerState, s: int, params: Any, correct: bool, difficulty: float
) -> None:
    """One answer: Bayes' rule for BKT's P(mastered), an update of the person's pace, and an
    Elo step for the level, both against the item's difficulty as calibrated for the skill
    (``difficulty`` is the labelled one)."""
    _set_known(state, s, logit_update(float(state.known_logit[s]), correct, params))
    calibrated = level.effective_difficulty(
        difficulty, params.difficulty_offset, params.difficulty_slope
    )
    _update_pace(state, s, params, correct, calibrated)
    state.mastery[s] = level.after_answer(
        float(state.mastery[s]),
        correct,
        calibrated,
        guess=params.guess,
        slip=params.slip,
        evidence=float(state.evidence[s]),
    )
    state.mastery_known[s] = True
    state.evidence[s] += 1.0
    state.unverified[s] *= level.CONFIRMS


def _update_pace(
    state: LearnerState, s: int, params: Any, correct: bool, difficulty: float
) -> None:
    """Re-estimate the pace from one answer and re-credit all practice so far at the new
    pace (the practice curve is near linear in pace over one item's step)."""
    log_pace, state.pace_precision = level.pace_update(
        float(state.mastery[s]),
        float(state.practised[s]),
        correct,
        difficulty,
        state.log_pace,
        state.pace_precision,
        guess=params.guess,
        slip=params.slip,
    )
    factor = math.exp(log_pace - state.log_pace)
    state.log_pace = log_pace
    if factor != 1.0:
        change = (factor - 1.0) * state.practised
        state.mastery[:] = np.clip(state.mastery + change, 0.0, 1.0)
        state.unverified[:] = np.maximum(state.unverified + change, 0.0)
        state.practised *= factor


def observe_completion(
    state: LearnerState,
    s: int,
    params: Any,
    difficulty: float,
    minutes: float,
    *,
    assessed: bool,
    gain: float = 1.0,
    share: float = 1.0,
) -> None:
    """A finished item is a practice opportunity: BKT's transition when no answer was
    observed, and the practice learning curve for the level either way (``gain``: see
    :func:`learnwire.core.learner.level.after_practice`)."""
    if not assessed and share >= 1.0:
        _set_known(state, s, logit_transition(float(state.known_logit[s]), params))
    before = float(state.mastery[s])
    pace = math.exp(state.log_pace)
    gain *= float(state.gain.skill_gain[s]) * pace
    state.mastery[s] = level.after_practice(
        before, difficulty, minutes, share, gain, state.gain.params
    )
    credited = float(state.mastery[s]) - before
    state.unverified[s] += credited
    state.practised[s] += credited
    if share >= 1.0:
        state.evidence[s] += 0.3


def observe_item(
    state: LearnerState,
    items: ItemMatrix,
    org: OrgContext,
    item: int,
    *,
    assessed: bool,
    share: float = 1.0,
) -> None:
    """``share`` of catalogue item ``item`` done: each of its skills learns in proportion to
    the skill's weight in the item, the format and how ready the learner is for it."""
    # Readiness before the item (what it teaches one skill must not speed up another).
    pairs = items.skills_of[item]
    prerequisites = items.skills.prerequisites
    exponent = state.gain.params.readiness_exponent
    ready = [level.readiness_of(state.mastery, prerequisites[s], exponent) for s, _ in pairs]
    fmt = float(state.gain.format_gain[items.format_code[item]])
    difficulty, minutes = float(items.difficulty[item]), float(items.duration[item])
    for (s, share_of_item), r in zip(pairs, ready, strict=True):
        observe_completion(
            state,
            s,
            org.params[s],
            difficulty,
            minutes,
            assessed=assessed,
            gain=fmt * share_of_item * r,
            share=share,
        )


def _set_known(state: LearnerState, s: int, x: float) -> None:
    state.known_logit[s] = x
    state.p_known[s] = sigmoid(x)
