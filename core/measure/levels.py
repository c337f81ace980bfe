"""A learner's role levels as the learner model estimated them at chosen moments.

The learner model keeps no history: its estimate at a moment is what replaying the events
up to that moment gives (:func:`learnwire.core.learner.build.build_state` replays them all).
Replaying once and reading the levels as the replay passes each moment gives every moment's
estimate for the price of one replay, however many moments are asked for.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..governed_view import GovernedView
from ..learner.build import start_state
from ..learner.org import OrgContext
from ..learner.replay import Replay
from ..learner.state import LearnerState
from ..ranker.items import ItemMatrix

#: Half-width of the level's credible range in standard deviations: about 90% of the
#: model's belief, as the learner's own page shows it.
Z90 = 1.645


@dataclass(frozen=True)
class LevelTrack:
    """Levels on the role's required skills at each of ``moments``.

    ``level`` and ``sd`` are (moments x required skills); ``required`` indexes the skill
    graph. Without a role (none recorded, or withheld by the policy) ``required`` is empty.
    ``proficient_since`` is the first moment at or after the track's start when every
    required skill was estimated at or above its target (None: not within the replay).
    """

    role_id: str | None
    moments: tuple[datetime, ...]
    required: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    level: np.ndarray
    sd: np.ndarray
    proficient_since: datetime | None

    @property
    def has_role(self) -> bool:
        return len(self.required) > 0

    def index_of(self, moment: datetime) -> int:
        """Position of ``moment`` among the moments read (it must be one of them)."""
        i = bisect_right(self.moments, moment) - 1
        if i < 0 or self.moments[i] != moment:
            raise KeyError(f"{moment.isoformat()} was not read on this track")
        return i

    def role_level(self, i: int) -> tuple[float, float, float] | None:
        """(level, low, high) at moment ``i``: the importance-weighted mean level over the
        required skills, and the same mean of each skill's 90% bounds. Averaging bounds
        treats the skills' errors as moving together (a person's pace shifts them all):
        wider than independence would give, so it never overstates certainty."""
        if not self.has_role:
            return None
        w = self.weight / self.weight.sum()
        lvl, sd = self.level[i], self.sd[i]
        low = np.clip(lvl - Z90 * sd, 0.0, 1.0)
        high = np.clip(lvl + Z90 * sd, 0.0, 1.0)
        return float(w @ lvl), float(w @ low), float(w @ high)

    def target_level(self) -> float | None:
        if not self.has_role:
            return None
        return float((self.weight / self.weight.sum()) @ self.target)

    def at_target(self, i: int) -> float | None:
        """Share of the required skills estimated at or above target at moment ``i``."""
        if not self.has_role:
            return None
        return float(np.mean(self.level[i] >= self.target))


def track_levels(
    view: GovernedView,
    items: ItemMatrix,
    org: OrgContext,
    moments: Sequence[datetime],
    *,
    start: datetime,
    facts_as_of: datetime,
) -> LevelTrack:
    """Replay ``view``'s events once, reading the levels at each of ``moments`` (sorted),
    each from the events that occurred at or before it.

    Every moment starts from the same facts (the role, HR levels and hire date as held at
    ``facts_as_of``), so a change between moments is the evidence's, not a fact arriving.
    Proficiency is tracked from ``start`` to the last moment.
    """
    ordered = tuple(sorted(moments))
    state = start_state(view, items, org, facts_as_of)
    replay = Replay(state, items, org)
    required = np.flatnonzero(state.target > 0)
    target = state.target[required].astype(np.float64)
    weight = np.maximum(state.target_weight[required].astype(np.float64), 1e-6)
    n = len(ordered)
    level = np.zeros((n, len(required)))
    sd = np.zeros((n, len(required)))
    last = ordered[-1] if ordered else start
    since: datetime | None = None
    checking = len(required) > 0

    def read(i: int) -> None:
        # As build_state would see it at that moment: practice credit faded up to it (fading
        # is exponential, so fading in steps along the replay adds up to the same).
        replay.fade_to(ordered[i].timestamp())
        level[i] = state.mastery[required]
        sd[i] = state.level_sd[required]

    # Every skill at or above its floor (the target where required, -inf elsewhere): one
    # comparison over the skill graph per event, the replay's hottest check.
    floor = np.full(len(state.mastery), -np.inf)
    floor[required] = target

    def proficient(s: LearnerState) -> bool:
        return bool((s.mastery >= floor).all())

    i = 0
    started = False
    for e in view.events:
        at = e.occurred_at
        while i < n and at > ordered[i]:
            read(i)
            i += 1
        if not started and at >= start:
            started = True
            if checking and proficient(state):
                since, checking = start, False
        if at > last:
            break
        replay.observe(e)
        if checking and at >= start and proficient(state):
            since, checking = at, False
    if not started and checking and proficient(state):
        since = start
    while i < n:
        read(i)
        i += 1
    return LevelTrack(
        role_id=state.role_id,
        moments=ordered,
        required=required,
        target=target,
        weight=weight,
        level=level,
        sd=sd,
        proficient_since=since,
    )
