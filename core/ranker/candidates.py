"""Candidate generation: the few hundred items worth scoring for one learner, from several
sources — nearest content to the learner's need, content for the largest gaps, what similar
learners found useful, team and manager priorities, and upcoming work situations."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .context import RankContext

#: (learner need vector, how many) -> item indices; the store offers pgvector's HNSW search.
Neighbours = Callable[[np.ndarray, int], np.ndarray]


def top(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest positive ``values`` (in no particular order)."""
    positive = np.flatnonzero(values > 0)
    if positive.size <= n:
        return positive
    return positive[np.argpartition(-values[positive], n)[:n]]


def in_memory_neighbours(ctx: RankContext) -> Neighbours:
    def search(vector: np.ndarray, n: int) -> np.ndarray:
        return top(ctx.items.embedding @ vector + 1.0, n)

    return search


def generate(
    ctx: RankContext, *, per_source: int = 120, neighbours: Neighbours | None = None
) -> dict[str, np.ndarray]:
    """Item indices proposed by each source (they overlap; callers take the union)."""
    state, items = ctx.state, ctx.items
    out: dict[str, np.ndarray] = {}
    if ctx.need_vector is not None and ctx.need_vector.any():
        search = neighbours or in_memory_neighbours(ctx)
        out["semantic"] = search(ctx.need_vector, per_source)
    out["gaps"] = top(items.item_skill @ state.weighted_need(), per_source)
    team = state.team_gap + 2 * state.manager_priority
    if team.any():
        out["team"] = top(items.item_skill @ team, per_source // 2)
    peers = ctx.peer_scores
    if peers.any():
        out["peers"] = top(peers, per_source // 2)
    for situation, urgency in ctx.upcoming():
        fit = ctx.shared.situation_fit.get(situation.kind)  # type: ignore[attr-defined]
        if fit is not None:
            near = top(fit * urgency, per_source // 3)
            out["context"] = np.union1d(out.get("context", np.array([], np.int64)), near)
    need = state.weighted_need()
    if need.any():
        adjacent = ctx.adjacent_to_need & (need <= 0)
        if adjacent.any():
            # Exploration: reachable items in skills next to what the learner works on.
            reach = (items.item_skill @ adjacent.astype(np.float32)) * (1.2 - items.difficulty)
            out["explore"] = top(reach, per_source // 4)
    if not any(v.size for v in out.values()):
        # A learner we know nothing about yet: start from introductory items.
        out["starter"] = top(1.0 - items.difficulty + 1e-3, per_source)
    return out


def union(sources: dict[str, np.ndarray]) -> np.ndarray:
    if not sources:
        return np.array([], np.int64)
    return np.unique(np.concatenate([v.astype(np.int64) for v in sources.values()]))
