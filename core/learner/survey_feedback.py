"""Micro-survey answers as feedback for the learner model (and so for the ranker).

"Relevant to my work now" and "I used it" are positive: they raise the item's skills in
``skill_feedback``, which the ``feedback`` ranking signal reads. "Not relevant now" and "it
does not apply to my work" push similar items (those teaching the same skills) down through
``skill_irrelevance``, which the pedagogy turns into a damping factor; being about *now*, it
fades with a half-life of a few weeks. Only a person's latest answer per question and item
counts, so changing one's mind does not add up. Managers' team observations say nothing
about the manager's own learning and are not read here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..ranker.items import ItemMatrix
from ..surveys.vocabulary import KIND_OF_VERB, OBSERVATION
from .state import LearnerState

#: (kind, answer) -> (added to skill_feedback, added to skill_irrelevance) per unit of skill.
EFFECT: dict[tuple[str, str], tuple[float, float]] = {
    ("relevance", "relevant"): (0.3, 0.0),
    ("relevance", "not_relevant"): (0.0, 1.0),
    ("application", "used"): (0.5, 0.0),
    ("application", "not_yet"): (0.0, 0.0),
    ("application", "not_applicable"): (0.0, 0.7),
}
#: Days over which a "not relevant now" loses half its weight.
IRRELEVANCE_HALF_LIFE_DAYS = 30.0


@dataclass
class SurveyAnswers:
    latest: dict[tuple[str, int], tuple[str, datetime]] = field(default_factory=dict)

    def add(self, verb: str, answer: str | None, item: int, at: datetime) -> None:
        kind = KIND_OF_VERB.get(verb)
        if kind is None or kind == OBSERVATION or answer is None:
            return
        seen = self.latest.get((kind, item))
        if seen is None or at >= seen[1]:
            self.latest[(kind, item)] = (answer, at)

    def apply(self, state: LearnerState, items: ItemMatrix, now: datetime) -> None:
        for (kind, item), (answer, at) in self.latest.items():
            positive, negative = EFFECT.get((kind, answer), (0.0, 0.0))
            skills = items.item_skill[item]
            if positive:
                state.skill_feedback += positive * skills
            if negative:
                days = max((now - at).total_seconds() / 86400, 0.0)
                fade = math.pow(0.5, days / IRRELEVANCE_HALF_LIFE_DAYS)
                state.skill_irrelevance += negative * fade * skills
        np.clip(state.skill_irrelevance, 0, 1, out=state.skill_irrelevance)
