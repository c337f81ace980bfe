"""The evidence the practice curve is fitted on (:mod:`learnwire.core.learner.gain_sml`):
each person's answers, with the level the learner model started them at, and each item
they practised, with the levels the model held then.

Read from each person's governed view for the recommendation purpose (what the learner model
itself may read), or fed one observation at a time by anything else that sees statements
(the outcome benchmark's simulated organisations).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from ..governed_view import GovernedView
from ..ranker.items import ItemMatrix
from .bkt import BKTParams
from .build import replay_evidence
from .gain_fit import Evidence
from .gain_params import FORMATS
from .level import ELO_SCALE, effective_difficulty, readiness_of
from .mastery import is_correct
from .org import OrgContext

SECONDS_PER_DAY = 86400.0


class EvidenceBuilder:
    """Collects answers and practice, person by person, into an :class:`Evidence`."""

    def __init__(self, items: ItemMatrix, skill_ids: Sequence[str]) -> None:
        self.items, self.skill_ids = items, list(skill_ids)
        self.learners: dict[Hashable, int] = {}
        self.answers: list[tuple[int, int, float, float, float, float, bool, float, float]] = []
        self.practice: list[tuple[int, int, float, int, float, float, float, float, float]] = []

    def _learner(self, key: Hashable) -> int:
        return self.learners.setdefault(key, len(self.learners))

    def answer(
        self,
        learner: Hashable,
        skill: int,
        day: float,
        start_level: float,
        difficulty: float,
        params: BKTParams,
        correct: bool,
    ) -> None:
        """An answer on ``skill`` to an item of labelled ``difficulty``; ``start_level`` is
        the level the learner model gave the person before any of their evidence."""
        d = effective_difficulty(difficulty, params.difficulty_offset, params.difficulty_slope)
        row = (self._learner(learner), skill, day, (start_level - d) / ELO_SCALE)
        self.answers.append((*row, params.guess, params.slip, correct, start_level, difficulty))

    def practised(
        self, learner: Hashable, item: int, day: float, levels: np.ndarray, share: float = 1.0
    ) -> None:
        """``share`` of catalogue item ``item`` done on ``day``, the person's levels as the
        learner model held them just before."""
        items = self.items
        who = self._learner(learner)
        fmt, minutes = int(items.format_code[item]), float(items.duration[item])
        difficulty = float(items.difficulty[item])
        prerequisites = items.skills.prerequisites
        for s, weight in items.skills_of[item]:
            lvl = float(levels[s])
            ready = readiness_of(levels, prerequisites[s])
            row = (who, s, day, fmt, minutes, difficulty - lvl - 0.05, 1.0 - lvl, ready)
            self.practice.append((*row, weight * share))

    def evidence(self) -> Evidence:
        a = np.array(self.answers, np.float64).reshape(-1, 9)
        p = np.array(self.practice, np.float64).reshape(-1, 9)
        return Evidence(
            skill_ids=self.skill_ids,
            a_learner=a[:, 0].astype(np.int64),
            a_skill=a[:, 1].astype(np.int64),
            a_day=a[:, 2],
            a_offset=a[:, 3],
            a_guess=a[:, 4],
            a_slip=a[:, 5],
            a_correct=a[:, 6],
            p_learner=p[:, 0].astype(np.int64),
            p_skill=p[:, 1].astype(np.int64),
            p_day=p[:, 2],
            p_format=p[:, 3].astype(np.int64),
            p_minutes=p[:, 4],
            p_rel=p[:, 5],
            p_headroom=p[:, 6],
            p_ready=p[:, 7],
            p_share=p[:, 8],
            a_start=a[:, 7],
            a_difficulty=a[:, 8],
        )


def add_view(
    builder: EvidenceBuilder, view: GovernedView, items: ItemMatrix, org: OrgContext
) -> None:
    """One person's answers and practice, as their governed view shows them."""
    start, practice = replay_evidence(view, items, org)
    for done, day, levels, share in practice:
        builder.practised(view.learner_id, done, day, levels, share)
    index = org.skill_index
    for e in view.events:
        if e.data_category != "assessment":
            continue
        ok = is_correct(e.success, e.score_scaled)
        if ok is None:
            continue
        answered = items.position.get(e.content_id) if e.content_id else None
        difficulty = float(items.difficulty[answered]) if answered is not None else 0.5
        day = e.occurred_at.timestamp() / SECONDS_PER_DAY
        for k in e.skill_ids:
            at = index.get(k)
            if at is not None:
                builder.answer(
                    view.learner_id, at, day, float(start[at]), difficulty, org.params[at], ok
                )


def practice_counts(ev: Evidence) -> dict[str, Any]:
    """How much of each format the fit saw (what a format's gain rests on)."""
    counts = np.bincount(ev.p_format, minlength=len(FORMATS))
    return {f: int(c) for f, c in zip(FORMATS, counts, strict=True) if c}
