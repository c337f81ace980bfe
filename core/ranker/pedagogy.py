"""Pedagogy applied on top of the signal scores.

- Prerequisites gate advanced items: an item whose skill needs another skill the learner
  has not yet mastered to the required level waits (unless it is introductory).
- Difficulty is calibrated so the predicted success is challenging but reachable.
- Sequencing favours items that build on what was just practised.
- Items done recently, or whose skills are already mastered, are not repeated, unless
  spaced retrieval practice is due for that skill; then they come back labelled as review.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .context import RankContext
from .items import FORMATS

#: Items at or below this difficulty are introductory and never gated.
INTRODUCTORY = 0.35
#: How quickly the pitch bonus falls off around the predicted success aimed for (which is
#: the success predicted where the fitted practice curve peaks: :func:`pitch_success`).
SUCCESS_SPREAD = 0.18
#: Success with an item's material against its labelled difficulty: the logistic's slope
#: and intercept on the author's difficulty scale (72% at 0.04 above the level).
SUCCESS_SLOPE, SUCCESS_INTERCEPT = 6.0, 1.2
#: Spaced retrieval: review a mastered skill when this many days passed since practice.
REVIEW_AFTER_DAYS = 21.0
#: A completed item is not recommended again within this many days...
REPEAT_AFTER_DAYS = 30.0
#: ...except practice (exercises, simulations) on a skill with an open gap: repeating a
#: practice item is retrieval practice, worth doing again after a week.
PRACTICE_AGAIN_DAYS = 7.0
PRACTICE_FORMATS = ("exercise", "simulation")
MASTERED = 0.9
#: How far a full "not relevant now" on an item's skills lowers its score (0.6: it still
#: comes back when nothing else fits, since the answer is about now, not forever).
IRRELEVANCE_DAMPING = 0.6


@dataclass
class PedagogyResult:
    keep: np.ndarray
    multiplier: np.ndarray
    predicted_success: np.ndarray
    review: np.ndarray
    builds_on: np.ndarray


def item_mastery(ctx: RankContext, idx: np.ndarray) -> np.ndarray:
    weights = ctx.items.item_skill[idx]
    total = weights.sum(axis=1)
    total[total == 0] = 1
    return (weights @ ctx.state.mastery) / total


def predicted_success(ctx: RankContext, idx: np.ndarray) -> np.ndarray:
    """Chance the learner succeeds with the item's material: mastery against its labelled
    difficulty (logistic, 72% at 0.04 above the level).

    Not the learner model's chance of answering right. Neither the level model's (calibrated
    difficulty, guess and slip: answers barely depend on an item's label, so it cannot tell
    a skill's items apart) nor the logistic knowledge-tracing model's P(right) on items whose
    easiness it fitted, where the person has answered on the skill: on bench/outcomes.py
    (15 people, seeds 7-9) reading the latter cost 2 points held out and 11 in the tuning
    world (docs/outcomes.md), so it is measured, not used."""
    gap = item_mastery(ctx, idx) - ctx.items.difficulty[idx]
    return 1 / (1 + np.exp(-(SUCCESS_SLOPE * gap + SUCCESS_INTERCEPT)))


def pitch_success(peak: float) -> float:
    """The predicted success to aim for: that of an item ``peak`` above the level, where the
    organisation's fitted practice curve says people learn most. A fixed success target
    would keep pitching at the prior's peak (+0.05, about 71%) whatever the fit found, and
    in an organisation whose people learn most well above their level, would hold back
    the items the curve ranks first."""
    return float(1 / (1 + np.exp(-(SUCCESS_INTERCEPT - SUCCESS_SLOPE * peak))))


def apply(ctx: RankContext, idx: np.ndarray) -> PedagogyResult:
    state, items = ctx.state, ctx.items
    n = len(idx)
    keep = ~ctx.verdict_mask("dismiss", "not_useful")[idx]

    # Prerequisite gate: for each item skill, every prerequisite must be mastered enough.
    prereq = items.skills.prereq_level
    unmet = (prereq > 0) & (state.mastery[None, :] < prereq)  # [skill, prerequisite]
    blocked_skill = np.asarray(unmet.any(axis=1), dtype=bool)
    advanced = items.difficulty[idx] > INTRODUCTORY
    skill_mask = items.item_skill[idx] > 0
    gated = advanced & (skill_mask & blocked_skill[None, :]).any(axis=1)
    keep &= ~gated

    # Mastered or recently done: only back when spaced retrieval is due.
    primary = items.primary_skill[idx]
    mastered = state.mastery[primary] >= np.maximum(state.target[primary], MASTERED)
    review_due = state.days_since_practice[primary] >= REVIEW_AFTER_DAYS
    open_gap = state.gap[primary] > 0.02
    practice_codes = [FORMATS.index(f) for f in PRACTICE_FORMATS]
    practice_item = np.isin(items.format_code[idx], practice_codes) & open_gap
    wait = np.where(practice_item, PRACTICE_AGAIN_DAYS, REPEAT_AFTER_DAYS)
    recently = ctx.days_since_done[idx] < wait
    review = mastered & review_due
    keep &= ~((recently | mastered) & ~review)

    success = predicted_success(ctx, idx)
    aim = pitch_success(state.gain.params.peak)
    calibration = np.exp(-(((success - aim) / SUCCESS_SPREAD) ** 2) / 2)
    recent = state.recent_practice
    builds_on = np.zeros(n, np.float32)
    if recent.any():
        follows = (prereq > 0).astype(np.float32) @ recent  # per skill: prerequisite recency
        builds_on = np.clip(items.item_skill[idx] @ follows, 0, 1)
    multiplier = (0.55 + 0.45 * calibration) * (1 + 0.25 * builds_on)
    # "Not relevant to my work now" on an item's skills: its neighbours wait their turn
    # (damped, not removed: the answer is about now, and fades in the learner model).
    irrelevant = np.clip(items.item_skill[idx] @ state.skill_irrelevance, 0, 1)
    multiplier = multiplier * (1 - IRRELEVANCE_DAMPING * irrelevant)
    return PedagogyResult(keep, multiplier.astype(np.float32), success, review, builds_on)
