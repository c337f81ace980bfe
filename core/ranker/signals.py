"""Contract for ranking signals: named, weighted, pluggable scorers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any


class RankingSignal(ABC):
    """Scores candidate items for one learner.

    ``families`` names the signal families (the policy's opt-out units) the scorer reads;
    when the policy withholds one for the learner, the signal is skipped and reported as
    blocked. Built-in signals receive a :class:`~learnwire.core.ranker.context.RankContext`
    as ``view`` and an array of item indices as ``candidates``.
    """

    name: str
    default_weight: float = 1.0
    families: frozenset[str] = frozenset()
    #: Signals sharing a theme say similar things; an explanation uses one phrase per theme.
    theme: str = ""

    @abstractmethod
    def score(self, *, view: Any, candidates: Sequence[Any]) -> Sequence[float]:
        """One value in [0, 1] per candidate (0 = no support), in candidate order."""

    def describe(self, *, view: Any, item: Any) -> str:
        """A short, viewer-safe phrase saying why this signal favours ``item`` (or "")."""
        return ""
