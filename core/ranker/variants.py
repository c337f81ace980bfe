"""Ranking variants: what an experiment may serve a person instead of the full ranking.

The core declares the variants and how each is served; which person gets which one is
decided elsewhere (the ``experiments`` plugin) through :class:`VariantResolver`, registered
with the ``register_ranking_variants`` hook. Three variants exist:

- ``full``: learnwire's ranking as everyone else gets it (an experiment's learnwire arm
  gets it with the experiment's time budget).
- ``segmentation``: the role's curriculum in a fixed order, the same list for everyone in
  the role (the items on the role's required skills, easiest first), less what the person
  has finished: what an LMS learning path by job title gives.
- ``without``: the full ranking with one signal family withheld, as if the person had opted
  out of it (its records leave the governed view; the signals reading it are reported as
  blocked, with the experiment as the reason).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import numpy as np
import psycopg

from ..governed_view import FamilyStatus, GovernedView
from ..learner.state import LearnerState
from ..models import Recommendation, SignalContribution
from .engine import Ranking, SignalUse
from .items import ItemMatrix

Conn = psycopg.Connection[Any]
Kind = Literal["full", "segmentation", "without"]
SEGMENTATION_SIGNAL = "segmentation"


@dataclass(frozen=True)
class RankingVariant:
    """One arm as the ranker serves it; ``family`` only for ``without``; ``source`` names
    the experiment and arm, for the record of what was served; ``minutes`` caps the
    learning time a list may hold (an experiment gives every arm the same budget)."""

    kind: Kind
    family: str | None = None
    source: str = ""
    minutes: float | None = None


FULL = RankingVariant("full")


class VariantResolver(ABC):
    """Says which variant each person is served (people it does not name get ``full``)."""

    @abstractmethod
    def variants(
        self, conn: Conn, learner_ids: Sequence[UUID], at: datetime
    ) -> dict[UUID, RankingVariant]:
        """The variant of each of ``learner_ids`` that differs from ``full`` at ``at``."""


def resolve(
    resolvers: Sequence[VariantResolver], conn: Conn, learner_ids: Sequence[UUID], at: datetime
) -> dict[UUID, RankingVariant]:
    """Every resolver's answer; the first resolver to name a person decides for them."""
    found: dict[UUID, RankingVariant] = {}
    for resolver in resolvers:
        for learner_id, variant in resolver.variants(conn, learner_ids, at).items():
            found.setdefault(learner_id, variant)
    return found


def withhold(view: GovernedView, family: str, why: str) -> GovernedView:
    """``view`` without ``family``'s records, the family marked blocked for ``why``."""
    if family not in view.families:
        return view
    families = dict(view.families)
    families[family] = FamilyStatus(family, "blocked", "experiment", why, 0)
    return replace(
        view,
        events=tuple(e for e in view.events if family not in e.families),
        facts=tuple(f for f in view.facts if family not in f.families),
        calendar=tuple(c for c in view.calendar if family not in c.families),
        memberships=tuple(m for m in view.memberships if family not in m.families),
        families=families,
    )


def within_budget(ranking: Ranking, items: ItemMatrix, minutes: float | None) -> Ranking:
    """``ranking`` cut where its items' durations would pass ``minutes`` (the first item
    always stays: a list is never empty because one item is long)."""
    if minutes is None:
        return ranking
    kept: list[Recommendation] = []
    total = 0.0
    for rec in ranking.recommendations:
        i = items.position.get(rec.content_id)
        length = float(items.duration[i]) if i is not None else 0.0
        if kept and total + length > minutes:
            break
        kept.append(rec)
        total += length
    return replace(ranking, recommendations=kept)


def curriculum(state: LearnerState, items: ItemMatrix) -> np.ndarray:
    """The role's curriculum: items whose main skill the role requires, easiest first (ties
    by item id, so the order is the same for everyone in the role)."""
    if len(items) == 0 or state.target.size == 0:
        return np.zeros(0, np.int64)
    required = np.flatnonzero(state.target > 0)
    on_role = np.flatnonzero(np.isin(items.primary_skill, required))
    order = sorted(on_role.tolist(), key=lambda i: (float(items.difficulty[i]), str(items.ids[i])))
    return np.array(order, np.int64)


def segmentation_ranking(
    state: LearnerState, items: ItemMatrix, at: datetime, *, limit: int, source: str = ""
) -> Ranking:
    """The next ``limit`` items of the role's curriculum the person has not finished."""
    path = curriculum(state, items)
    todo = [int(i) for i in path if int(i) not in state.done_items][:limit]
    role = state.role_name or "your role"
    recs = []
    for rank, i in enumerate(todo, start=1):
        step = int(np.flatnonzero(path == i)[0]) + 1
        detail = f"step {step} of {len(path)} in the {role} curriculum"
        recs.append(
            Recommendation(
                learner_id=state.learner_id,
                content_id=items.ids[i],
                rank=rank,
                score=round(1.0 - (rank - 1) / max(1, limit), 4),
                contributions=[
                    SignalContribution(
                        signal=SEGMENTATION_SIGNAL,
                        weight=1.0,
                        value=1.0,
                        contribution=round(1.0 - (rank - 1) / max(1, limit), 4),
                        detail=detail,
                    )
                ],
                explanation=f"It is {detail}.",
                generated_at=at,
            )
        )
    use = SignalUse(SEGMENTATION_SIGNAL, 1.0, "used", source, float(len(recs)))
    return Ranking(state.learner_id, at, recs, [use], {SEGMENTATION_SIGNAL: int(path.size)})
