"""Beyond accuracy: how widely and how evenly recommendations draw on the catalogue.

The measures recommender toolkits report next to accuracy (RecBole's ``ItemCoverage``,
``GiniIndex`` and ``AveragePopularity``; Elliot's ``ItemCoverage``, ``Gini`` and novelty),
over the recommendations stored for a group of people in a window, each person's top items
counted once however often they were ranked:

- **coverage**: share of the live catalogue recommended to anyone;
- **concentration**: Gini index of how often each live item was recommended (never
  recommended included): 0 = evenly, near 1 = a few items take everything;
- **novelty**: mean self-information ``-log2(p)`` of a person's recommended items, where ``p``
  is the share of the group who had already engaged with the item, smoothed
  ``(engaged + 1) / (people + 1)`` so an item nobody touched is finite (Zhou et al., 2010).
  Higher: recommendations reach beyond what everybody already does.

Intervals come from the bootstrap over people (:mod:`.stats`), so a small role's figures
are as uncertain as they should be.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np
import psycopg
from pydantic import BaseModel, ConfigDict

from . import stats
from .stats import Estimate

Conn = psycopg.Connection[Any]
#: How many of each ranking's items count as recommended (the top the pages show).
TOP = 5


class BeyondAccuracy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    people: int
    catalogue_items: int
    items_recommended: int
    coverage: Estimate
    gini: Estimate
    novelty: Estimate


@dataclass(frozen=True)
class Recommendations:
    """Who was recommended which live items: one (person row, item column) per pair."""

    people: tuple[UUID, ...]
    rows: np.ndarray
    cols: np.ndarray
    n_items: int
    #: Self-information of each item for this population (see the module docstring).
    information: np.ndarray

    def subset(self, people: Iterable[UUID]) -> Recommendations:
        wanted = set(people)
        remap = np.full(len(self.people), -1)
        keep_people: list[UUID] = []
        for old, p in enumerate(self.people):
            if p in wanted:
                remap[old] = len(keep_people)
                keep_people.append(p)
        mask = remap[self.rows] >= 0 if len(self.rows) else np.zeros(0, bool)
        return Recommendations(
            tuple(keep_people),
            remap[self.rows[mask]],
            self.cols[mask],
            self.n_items,
            self.information,
        )


def load_recommendations(
    conn: Conn,
    people: Sequence[UUID],
    item_ids: Sequence[UUID],
    engaged: dict[UUID, int],
    *,
    since: datetime,
    until: datetime,
) -> Recommendations:
    """The top :data:`TOP` of every ranking stored for ``people`` in ``[since, until)``,
    over the live catalogue ``item_ids``; ``engaged`` counts people per item for novelty."""
    column = {cid: j for j, cid in enumerate(item_ids)}
    row = {p: i for i, p in enumerate(people)}
    pairs = conn.execute(
        "SELECT DISTINCT learner_id, content_id FROM recommendation "
        "WHERE learner_id = ANY(%s) AND generated_at >= %s AND generated_at < %s AND rank <= %s",
        (list(people), since, until, TOP),
    ).fetchall()
    kept = [(row[p], column[c]) for p, c in pairs if c in column]
    rows = np.array([r for r, _ in kept], np.int64)
    cols = np.array([c for _, c in kept], np.int64)
    counts = np.array([engaged.get(cid, 0) for cid in item_ids], np.float64)
    information = -np.log2((counts + 1.0) / (len(people) + 1.0))
    return Recommendations(tuple(people), rows, cols, len(item_ids), information)


def beyond_accuracy(recs: Recommendations, *, k: int) -> BeyondAccuracy:
    n = len(recs.people)
    rows, cols, n_items = recs.rows, recs.cols, recs.n_items
    # A person's novelty: mean self-information of their items (NaN: nothing recommended).
    per_item = recs.information[cols] if len(cols) else np.zeros(0)
    sums = np.bincount(rows, weights=per_item, minlength=n)
    lengths = np.bincount(rows, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        novelty = sums / lengths
    has_list = lengths > 0

    def counts(i: np.ndarray) -> np.ndarray:
        weight = np.bincount(i, minlength=n).astype(np.float64)
        return np.bincount(cols, weights=weight[rows], minlength=n_items)

    def coverage(i: np.ndarray) -> float:
        c = counts(i)
        return float((c > 0).mean()) if n_items and c.sum() else math.nan

    def concentration(i: np.ndarray) -> float:
        return stats.gini(counts(i))

    recommended = len(np.unique(cols)) if len(cols) else 0
    listed = np.flatnonzero(has_list)
    return BeyondAccuracy(
        people=n,
        catalogue_items=n_items,
        items_recommended=recommended,
        coverage=stats.bootstrap(np.arange(n), coverage, k=k),
        gini=stats.bootstrap(np.arange(n), concentration, k=k),
        novelty=stats.mean(novelty[listed], k=k),
    )
