"""Everything one ranking pass reads: the learner's governed state, the catalogue arrays,
the moment of ranking and shared, precomputed peer and situation data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from ..learner import level
from ..learner.state import LearnerState, Situation
from .items import ItemMatrix


def top(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest positive ``values`` (in no particular order)."""
    positive = np.flatnonzero(values > 0)
    if positive.size <= n:
        return positive
    return positive[np.argpartition(-values[positive], n)[:n]]


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
    #: Every item's cosine with each skill vector and each situation vector: a learner's
    #: need vector is a weighted sum of those, so the nearest items to it come from these
    #: small products instead of the whole embedding matrix times the need.
    item_skill_cosine: np.ndarray | None = None
    item_situation_cosine: dict[str, np.ndarray] = field(default_factory=dict)
    _situation_top: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)

    def situation_top(self, kind: str, n: int) -> np.ndarray | None:
        """The ``n`` items that best prepare for a situation of ``kind`` (None: unknown kind),
        found once per catalogue load."""
        fit = self.situation_fit.get(kind)
        if fit is None:
            return None
        key = (kind, n)
        if key not in self._situation_top:
            self._situation_top[key] = top(fit, n)
        return self._situation_top[key]


@dataclass
class RankContext:
    state: LearnerState
    items: ItemMatrix
    at: datetime
    shared: SharedSignals
    #: The learner's need as a unit vector in embedding space (zeros when unknown).
    need_vector: np.ndarray | None = None
    _upcoming: dict[float, list[tuple[Situation, float]]] = field(
        default_factory=dict, init=False, repr=False
    )

    @cached_property
    def readiness(self) -> np.ndarray:
        """Per skill: how ready the learner is to learn it given its prerequisites (1 = all
        at their minimum level; see :func:`learnwire.core.learner.level.readiness`)."""
        exponent = self.state.gain.params.readiness_exponent
        return level.readiness(self.state.mastery, self.items.skills.prereq_level, exponent)

    @property
    def local_time(self) -> datetime:
        try:
            return self.at.astimezone(ZoneInfo(self.state.timezone))
        except (KeyError, ValueError):
            return self.at

    def upcoming(self, horizon_days: float = 7.0) -> list[tuple[Situation, float]]:
        """Situations ahead within the horizon, with urgency in (0, 1] (sooner = higher)."""
        known = self._upcoming.get(horizon_days)
        if known is not None:
            return known
        out: list[tuple[Situation, float]] = []
        for situation in self.state.situations:
            days = (situation.starts_at - self.at).total_seconds() / 86400
            if 0 <= days <= horizon_days:
                out.append((situation, float(np.exp(-days / 2.5))))
        self._upcoming[horizon_days] = out
        return out

    # One ranking pass asks the same questions of the learner's history from several
    # signals and stages; these answer each once, for the whole catalogue, as arrays.

    @cached_property
    def peer_scores(self) -> np.ndarray:
        """Per item: how strongly people who engaged with the learner's items engaged with
        it too (item-item co-occurrence, weighted by the learner's own engagement)."""
        scores = np.zeros(len(self.items), np.float32)
        for item, weight in self.state.engaged_items.items():
            pair = self.shared.cooccurrence.get(item)
            if pair is not None:
                scores[pair[0]] += weight * pair[1]
        return scores

    @cached_property
    def days_since_done(self) -> np.ndarray:
        """Per item: days since the learner last completed it (inf = never)."""
        days = np.full(len(self.items), np.inf)
        if self.state.done_items:
            at = self.at.timestamp()
            positions = np.fromiter(self.state.done_items, np.int64)
            stamps = np.array([t.timestamp() for t in self.state.done_items.values()])
            days[positions] = (at - stamps) / 86400
        return days

    def verdict_mask(self, *verdicts: str) -> np.ndarray:
        """Per item: whether the learner's latest verdict on it is one of ``verdicts``."""
        mask = np.zeros(len(self.items), bool)
        hits = [i for i, v in self.state.item_feedback.items() if v in verdicts]
        mask[hits] = True
        return mask

    @cached_property
    def adjacent_to_need(self) -> np.ndarray:
        """Skills next to (a prerequisite edge or the domain away from) the learner's three
        largest needs: where exploration and stretch items come from."""
        need = self.state.weighted_need()
        out = np.zeros(len(need), bool)
        for s in np.argsort(-need)[:3]:
            if need[s] > 0:
                out |= self.items.skills.adjacent(int(s))
        return out
