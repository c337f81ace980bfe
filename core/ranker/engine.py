"""The ranker: candidates -> named signals (weighted, each contribution kept) -> pedagogy
-> diversity and exploration -> one-sentence explanations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..learner.state import LearnerState
from ..models import Recommendation, SignalContribution
from . import candidates as candidate_sources
from . import diversity, pedagogy
from .candidates import Neighbours
from .context import RankContext, SharedSignals
from .explain import explain
from .items import ItemMatrix
from .signals import RankingSignal

#: What the learner's week and own words say leads the sentence ("Your 1:1 is on Thursday,
#: and ..."); other phrases follow in order of contribution.
LEADING_SIGNALS = ("upcoming_situation", "stated_priority")


@dataclass(frozen=True)
class RankerConfig:
    weights: dict[str, float] = field(default_factory=dict)
    diversity: float = 0.7
    exploration_share: float = 0.2
    per_source: int = 120


@dataclass
class SignalUse:
    name: str
    weight: float
    status: str  # used | blocked | zero-weight
    reason: str = ""
    total_contribution: float = 0.0


@dataclass
class Ranking:
    learner_id: object
    at: datetime
    recommendations: list[Recommendation]
    signals: list[SignalUse]
    candidate_sources: dict[str, int]


class Ranker:
    def __init__(
        self,
        signals: Sequence[RankingSignal],
        items: ItemMatrix,
        shared: SharedSignals,
        config: RankerConfig | None = None,
    ) -> None:
        self.signals = list(signals)
        self.items = items
        self.shared = shared
        self.config = config or RankerConfig()

    def weight_of(self, signal: RankingSignal) -> float:
        return float(self.config.weights.get(signal.name, signal.default_weight))

    def need_vector(self, state: LearnerState, at: datetime) -> np.ndarray | None:
        need = self._need(RankContext(state, self.items, at, self.shared))
        return None if need is None else need[0]

    def _need(self, ctx: RankContext) -> tuple[np.ndarray, Neighbours | None] | None:
        """The learner's need as a unit vector in embedding space — their weighted skill
        needs over the skill vectors, plus what is coming up on the calendar — and, when the
        shared projections allow, an exact in-memory nearest-item search for it."""
        shared = self.shared
        vectors = shared.skill_vectors
        if vectors is None or not vectors.any():
            return None
        need = ctx.state.weighted_need()
        terms = [
            (situation.kind, urgency * float(need.max() or 1.0))
            for situation, urgency in ctx.upcoming()
            if situation.kind in shared.situation_vectors
        ]
        v = need @ vectors
        for kind, c in terms:
            v = v + c * shared.situation_vectors[kind]
        norm = float(np.linalg.norm(v))
        if norm <= 0:
            return None
        search = None
        if shared.item_skill_cosine is not None and all(
            kind in shared.item_situation_cosine for kind, _ in terms
        ):
            # Every item's cosine with v is the same weighted sum of its cosines with the
            # skill and situation vectors: 50-odd products per item instead of 384.
            def search(_: np.ndarray, n: int) -> np.ndarray:
                cosine = shared.item_skill_cosine @ need
                for kind, c in terms:
                    cosine = cosine + c * shared.item_situation_cosine[kind]
                return candidate_sources.top(cosine / norm + 1.0, n)

        return (v / norm).astype(np.float32), search

    def rank(
        self,
        state: LearnerState,
        at: datetime,
        *,
        limit: int = 5,
        neighbours: candidate_sources.Neighbours | None = None,
    ) -> Ranking:
        if len(self.items) == 0 or not self.items.skills.ids:
            # Nothing to rank against yet (no catalogue or no skills framework).
            return Ranking(state.learner_id, at, [], [], {})
        ctx = RankContext(state, self.items, at, self.shared)
        need = self._need(ctx)
        if need is not None:
            ctx.need_vector = need[0]
        sources = candidate_sources.generate(
            ctx,
            per_source=self.config.per_source,
            neighbours=neighbours or (need[1] if need is not None else None),
        )
        idx = candidate_sources.union(sources)
        uses: list[SignalUse] = []
        active: list[tuple[RankingSignal, float, np.ndarray]] = []
        for signal in self.signals:
            weight = self.weight_of(signal)
            blocked = sorted(f for f in signal.families if f in state.blocked)
            if blocked:
                reasons = "; ".join(f"{f}: {state.blocked[f]}" for f in blocked)
                uses.append(SignalUse(signal.name, weight, "blocked", reasons))
                continue
            if weight == 0:
                uses.append(SignalUse(signal.name, weight, "zero-weight"))
                continue
            values = np.asarray(signal.score(view=ctx, candidates=idx), dtype=np.float32)
            active.append((signal, weight, values))
            uses.append(SignalUse(signal.name, weight, "used"))

        if idx.size == 0:
            return Ranking(state.learner_id, at, [], uses, {k: 0 for k in sources})
        contrib = np.stack([w * v for _, w, v in active]) if active else np.zeros((1, idx.size))
        peda = pedagogy.apply(ctx, idx)
        scores = contrib.sum(axis=0) * peda.multiplier
        keep = peda.keep & (scores > 0)
        kept = np.flatnonzero(keep)
        picks = diversity.select(
            ctx,
            idx[kept],
            scores[kept],
            limit=limit,
            diversity=self.config.diversity,
            exploration_share=self.config.exploration_share,
        )
        recs = []
        for rank, pick in enumerate(picks, start=1):
            j = int(np.searchsorted(idx, pick.index))  # idx is sorted (a union)
            recs.append(
                self._recommendation(
                    ctx, active, contrib[:, j], peda, j, pick, rank, float(scores[j])
                )
            )
        used = {u.name: u for u in uses}
        for rec in recs:
            for c in rec.contributions:
                if c.signal in used:
                    used[c.signal].total_contribution += c.contribution
        return Ranking(
            state.learner_id, at, recs, uses, {k: int(v.size) for k, v in sources.items()}
        )

    def _recommendation(self, ctx, active, column, peda, j, pick, rank, score) -> Recommendation:
        order = np.argsort(-column)
        contributions = []
        phrases: list[tuple[bool, str]] = []
        themes: set[str] = set()
        for k in order:
            signal, weight, values = active[int(k)]
            value = float(values[j])
            detail = ""
            theme = signal.theme or signal.name
            if len(phrases) < 2 and value > 0.05 and theme not in themes:
                detail = str(signal.describe(view=ctx, item=pick.index) or "")
                if detail:
                    phrases.append((signal.name not in LEADING_SIGNALS, detail))
                    themes.add(theme)
            contributions.append(
                SignalContribution(
                    signal=signal.name,
                    weight=weight,
                    value=round(value, 4),
                    contribution=round(weight * value, 4),
                    detail=detail,
                )
            )
        # Pedagogy scales the summed signals (difficulty fit, sequencing); recording the
        # difference keeps the contributions adding up to the score.
        detail = "it builds on what you just practised" if peda.builds_on[j] > 0 else ""
        contributions.append(
            SignalContribution(
                signal="pedagogy",
                weight=1.0,
                value=round(float(peda.multiplier[j]), 4),
                contribution=round(score - float(column.sum()), 4),
                detail=detail,
            )
        )
        return Recommendation(
            learner_id=ctx.state.learner_id,
            content_id=self.items.ids[pick.index],
            rank=rank,
            score=round(score, 4),
            contributions=contributions,
            explanation=explain(
                [p for _, p in sorted(phrases, key=lambda p: p[0])],
                review=bool(peda.review[j]),
                stretch_reason=pick.stretch_reason,
            ),
            stretch=pick.stretch_reason is not None,
            stretch_reason=pick.stretch_reason,
            generated_at=ctx.at,
        )
