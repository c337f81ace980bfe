"""Contract for ranking signals: named, weighted, pluggable scorers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from .context import RankContext


class RankingSignal(ABC):
    """Scores candidate items for one learner.

    ``families`` names the signal families (the policy's opt-out units) the scorer reads;
    when the policy withholds one for the learner, the signal is skipped and reported as
    blocked. Every signal receives the ranking pass's
    :class:`~learnwire.core.ranker.context.RankContext` as ``view`` (the learner's governed
    state, the catalogue arrays, the moment) and the candidates as an integer array of item
    indices into the catalogue arrays.
    """

    name: str
    default_weight: float = 1.0
    families: frozenset[str] = frozenset()
    #: Signals sharing a theme say similar things; an explanation uses one phrase per theme.
    theme: str = ""

    @abstractmethod
    def score(self, *, view: RankContext, candidates: np.ndarray) -> np.ndarray | Sequence[float]:
        """One value in [0, 1] per candidate (0 = no support), in candidate order: an array
        or a sequence of floats."""

    def describe(self, *, view: RankContext, item: int) -> str:
        """A short, viewer-safe phrase saying why this signal favours the item at index
        ``item`` (or "")."""
        return ""
