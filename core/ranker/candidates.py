"""Candidate generation: the few hundred items worth scoring for one learner, from several
sources — nearest content to the learner's need, content for the largest gaps, what similar
learners found useful, team and manager priorities, and upcoming work situations."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .context import RankContext, top

#: (learner need vector, how many) -> item indices; the store offers pgvector's HNSW search.
Neighbours = Callable[[np.ndarray, int], np.ndarray]


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
    need = state.weighted_need()
    team = state.team_gap + 2 * state.manager_priority
    adjacent = ctx.adjacent_to_need & (need <= 0) if need.any() else np.zeros(len(need), bool)
    # One pass over the catalogue's skill weights for the three skill-driven sources.
    wanted = [need]
    if team.any():
        wanted.append(team)
    if adjacent.any():
        wanted.append(adjacent.astype(np.float32))
    by_skill = items.item_skill @ np.stack(wanted, axis=1)
    out["gaps"] = top(by_skill[:, 0], per_source)
    if team.any():
        out["team"] = top(by_skill[:, 1], per_source // 2)
    peers = ctx.peer_scores
    if peers.any():
        out["peers"] = top(peers, per_source // 2)
    for situation, _ in ctx.upcoming():
        # Urgency scales a situation's fit but not its order: its best items are shared.
        near = ctx.shared.situation_top(situation.kind, per_source // 3)
        if near is not None:
            out["context"] = np.union1d(out.get("context", np.array([], np.int64)), near)
    if adjacent.any():
        # Exploration: reachable items in skills next to what the learner works on.
        out["explore"] = top(by_skill[:, -1] * (1.2 - items.difficulty), per_source // 4)
    if not any(v.size for v in out.values()):
        # A learner we know nothing about yet: start from introductory items.
        out["starter"] = top(1.0 - items.difficulty + 1e-3, per_source)
    return out


def union(sources: dict[str, np.ndarray]) -> np.ndarray:
    if not sources:
        return np.array([], np.int64)
    return np.unique(np.concatenate([v.astype(np.int64) for v in sources.values()]))
