"""Everything one ranking pass reads: the learner's governed state, the catalogue arrays,
the moment of ranking and shared, precomputed peer and situation data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from ..learner import level
from ..learner.state import LearnerState
from .items import ItemMatrix


@dataclass
class SharedSignals:
    """Data shared by every learner's ranking, built once per catalogue load."""

    #: cooccurrence[i] = items (indices) positively engaged together with item i, weights.
    cooccurrence: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: situation kind -> unit embedding of its description, for semantic matching.
    situation_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    #: situation kind -> skill weight vector from configuration (may be empty).
    situation_skills: dict[str, np.ndarray] = field(default_factory=dict)
    #: Mean embedding of each skill's items (unit length; zeros when none).
    skill_vectors: np.ndarray | None = None
    #: situation kind -> fit of every catalogue item in [0, 1] (semantic and lexical),
    #: computed once so ranking a learner never multiplies the whole embedding matrix.
    situation_fit: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class RankContext:
    state: LearnerState
    items: ItemMatrix
    at: datetime
    shared: SharedSignals
    #: The learner's need as a unit vector in embedding space (zeros when unknown).
    need_vector: np.ndarray | None = None

    @cached_property
    def readiness(self) -> np.ndarray:
        """Per skill: how ready the learner is to learn it given its prerequisites (1 = all
        at their minimum level; see :func:`learnwire.core.learner.level.readiness`)."""
        return level.readiness(self.state.mastery, self.items.skills.prereq_level)

    @property
    def local_time(self) -> datetime:
        try:
            return self.at.astimezone(ZoneInfo(self.state.timezone))
        except (KeyError, ValueError):
            return self.at

    def upcoming(self, horizon_days: float = 7.0) -> list[tuple[object, float]]:
        """Situations ahead within the horizon, with urgency in (0, 1] (sooner = higher)."""
        out = []
        for situation in self.state.situations:
            days = (situation.starts_at - self.at).total_seconds() / 86400
            if 0 <= days <= horizon_days:
                out.append((situation, float(np.exp(-days / 2.5))))
        return out
