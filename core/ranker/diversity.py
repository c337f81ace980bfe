"""Guarding against the filter bubble: maximal marginal relevance across skills, and a
share of exploration items from adjacent skills, labelled as stretch with the reason."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .context import RankContext


@dataclass
class Pick:
    index: int  # item index in the catalogue
    stretch_reason: str | None = None


def _similarity(ctx: RankContext, a: np.ndarray, b: int) -> np.ndarray:
    """Cosine of skill weights or of embeddings, whichever is higher, of items ``a`` to ``b``."""
    unit = ctx.items.skill_unit
    overlap = unit[a] @ unit[b]
    semantic = np.clip(ctx.items.embedding[a] @ ctx.items.embedding[b], 0, 1)
    return np.maximum(overlap, semantic)


def select(
    ctx: RankContext,
    idx: np.ndarray,
    scores: np.ndarray,
    *,
    limit: int,
    diversity: float,
    exploration_share: float,
) -> list[Pick]:
    """Choose ``limit`` items: MMR over the core candidates, then stretch slots."""
    state, items = ctx.state, ctx.items
    if idx.size == 0:
        return []
    need = state.weighted_need()
    focus = need > 0
    primary = items.primary_skill[idx]
    stretch_slots = min(limit - 1, math.floor(limit * exploration_share + 1e-9))
    if focus.any() and stretch_slots:
        is_stretch = ctx.adjacent_to_need[primary] & ~focus[primary]
    else:
        is_stretch = np.zeros(len(idx), bool)

    picks: list[Pick] = []
    core_pool = np.flatnonzero(~is_stretch)
    chosen: list[int] = []
    relevance = scores / (scores.max() or 1.0)
    # Something imminent on the calendar (a feedback conversation tomorrow) earns one place
    # for the best item preparing for it, even when long-term gaps outscore it.
    urgent = _imminent_fit(ctx, idx)
    context = (
        np.flatnonzero((urgent >= CONTEXT_FIT) & ~is_stretch)
        if limit >= 3
        else np.empty(0, np.int64)
    )
    if len(context):
        best = int(context[int(np.argmax(relevance[context] + urgent[context]))])
        chosen.append(best)
        picks.append(Pick(int(idx[best])))
        core_pool = core_pool[core_pool != best]
    # Each candidate's similarity to its closest chosen item, updated as items are chosen.
    redundancy = np.zeros(len(idx), np.float32)
    for c in chosen:
        redundancy[core_pool] = np.maximum(
            redundancy[core_pool], _similarity(ctx, idx[core_pool], int(idx[c]))
        )
    while len(picks) < limit - (stretch_slots if is_stretch.any() else 0) and core_pool.size:
        mmr = diversity * relevance[core_pool] - (1 - diversity) * redundancy[core_pool]
        best = int(core_pool[int(np.argmax(mmr))])
        chosen.append(best)
        picks.append(Pick(int(idx[best])))
        core_pool = core_pool[core_pool != best]
        redundancy[core_pool] = np.maximum(
            redundancy[core_pool], _similarity(ctx, idx[core_pool], int(idx[best]))
        )

    stretch_pool = np.flatnonzero(is_stretch)
    while len(picks) < limit and stretch_pool.size:
        best = int(stretch_pool[int(np.argmax(relevance[stretch_pool]))])
        stretch_pool = stretch_pool[stretch_pool != best]
        skill = int(primary[best])
        anchor = _anchor(ctx, skill, need)
        reason = (
            f"a stretch into {items.skills.names[skill]}, next to "
            f"{items.skills.names[anchor]}, which you are working on"
        )
        picks.append(Pick(int(idx[best]), reason))
    # Fill any remaining places from the core pool (e.g. no adjacent skill available).
    while len(picks) < limit and core_pool.size:
        best = int(core_pool[int(np.argmax(relevance[core_pool]))])
        core_pool = core_pool[core_pool != best]
        picks.append(Pick(int(idx[best])))
    return picks


#: How well an item must fit an imminent situation to claim the context place.
CONTEXT_FIT, IMMINENT_DAYS = 0.5, 2.0


def _imminent_fit(ctx: RankContext, idx: np.ndarray) -> np.ndarray:
    fit = np.zeros(len(idx), np.float32)
    for situation, urgency in ctx.upcoming(IMMINENT_DAYS):
        per_item = ctx.shared.situation_fit.get(situation.kind)
        if per_item is not None and "calendar" not in ctx.state.blocked:
            fit = np.maximum(fit, per_item[idx] * min(1.0, urgency * 1.5))
    return fit


def _anchor(ctx: RankContext, skill: int, need: np.ndarray) -> int:
    graph = ctx.items.skills
    candidates = [int(s) for s in np.argsort(-need)[:3] if graph.adjacent(int(s))[skill]]
    return candidates[0] if candidates else int(np.argmax(need))
