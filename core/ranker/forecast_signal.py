"""The "upcoming gap" ranking signal: what the 90-day forecast says will bite soon.

The forecast (:mod:`learnwire.core.learner.forecast`) is built with the learner's state from
their governed view, so a family the policy withholds contributes no gap here either.
"""

from __future__ import annotations

import numpy as np

from ..learner.forecast import forecast_need
from .context import RankContext
from .signals import RankingSignal


class UpcomingGap(RankingSignal):
    name = "upcoming_gap"
    default_weight = 1.5
    theme = "ahead"

    def _need(self, view: RankContext) -> np.ndarray:
        skills = view.items.skills
        return forecast_need(view.state.forecast, skills.index, len(skills.ids), view.at.date())

    def score(self, *, view: RankContext, candidates: np.ndarray) -> np.ndarray:
        idx = np.asarray(candidates, dtype=np.int64)
        need = self._need(view)
        if not need.any():
            return np.zeros(len(idx), np.float32)
        values = view.items.item_skill[idx] @ need
        top = float(values.max()) if values.size else 0.0
        return (np.clip(values / top, 0, 1) if top > 0 else np.zeros_like(values)).astype(
            np.float32
        )

    def describe(self, *, view: RankContext, item: int) -> str:
        weights = view.items.item_skill[item] * self._need(view)
        if not weights.any():
            return ""
        skill_id = view.items.skills.ids[int(np.argmax(weights))]
        for gap in view.state.forecast:
            if gap.skill_id == skill_id:
                return gap.reason
        return ""
