"""How latent mastery turns into answers and grows with practice.

Responses follow a BKT-like process: each skill has a threshold above which a person "knows"
it; someone who knows it answers correctly unless they slip, someone who does not is right
only by guessing. The boundary is a steep logistic rather than a hard step, and a harder item
raises the threshold a little, so a Bayesian knowledge tracer fitted on the responses recovers
who is above the threshold. Learning raises mastery towards 1 by a gain that depends on the
format, how much of the item was done, whether the difficulty suits the person, and whether
the prerequisites are in place. Later benchmarks reuse these functions to replay what
following a recommendation would have taught.
"""

from __future__ import annotations

import math

import numpy as np

from ...core.models import ContentFormat
from .catalogue import LibraryItem
from .taxonomy import PREREQUISITE_LEVEL, SKILL_INDEX, SKILLS

_rng = np.random.default_rng(7_2026)
#: Per skill: P(correct | not known), P(wrong | known), and the mastery where "known" starts.
GUESS = _rng.uniform(0.12, 0.28, len(SKILLS))
SLIP = _rng.uniform(0.05, 0.15, len(SKILLS))
THRESHOLD = _rng.uniform(0.40, 0.55, len(SKILLS))
del _rng

#: Share of the remaining headroom ``1 - mastery`` one well-pitched, completed ten-minute
#: item closes. Practice (exercises, simulations) teaches more than watching or reading.
BASE_GAIN = {
    ContentFormat.VIDEO: 0.05,
    ContentFormat.ARTICLE: 0.045,
    ContentFormat.EXERCISE: 0.08,
    ContentFormat.SIMULATION: 0.09,
}
_PREREQS = [tuple(SKILL_INDEX[r] for r in s.requires) for s in SKILLS]
_STEEPNESS = 0.04  # width of the known/unknown boundary in mastery units
_ZONE = 0.22  # how far difficulty may sit from mastery before learning slows


def knows(mastery: float, skill: int, difficulty: float) -> float:
    """Degree to which ``mastery`` is above the skill's threshold for an item of this
    difficulty (0..1, a steep logistic)."""
    threshold = THRESHOLD[skill] + 0.2 * (difficulty - 0.5)
    return 1.0 / (1.0 + math.exp(-(mastery - threshold) / _STEEPNESS))


def p_correct(mastery: float, skill: int, difficulty: float) -> float:
    """Probability of a correct answer to one question on ``skill``."""
    guess, slip = GUESS[skill], SLIP[skill]
    return guess + (1.0 - guess - slip) * knows(mastery, skill, difficulty)


def respond(
    rng: np.random.Generator, mastery: np.ndarray, entry: LibraryItem, questions: int
) -> list[bool]:
    """Answers to ``questions`` questions of ``entry`` (all on its main skill)."""
    skill = entry.skills[0]
    p = p_correct(float(mastery[skill]), skill, entry.item.difficulty)
    return [bool(x) for x in rng.random(questions) < p]


def readiness(mastery: np.ndarray, skill: int) -> float:
    """1 when every prerequisite is at its minimum level, less (down to 0.25) otherwise."""
    ready = 1.0
    for p in _PREREQS[skill]:
        ready = min(ready, float(mastery[p]) / PREREQUISITE_LEVEL)
    return max(0.25, min(1.0, ready))


def gain(
    mastery: np.ndarray, entry: LibraryItem, skill: int, weight: float, completion: float
) -> float:
    """Share of the remaining headroom on ``skill`` that doing ``entry`` closes, before the
    learner's own pace is applied."""
    m = float(mastery[skill])
    # Learning is fastest a little above the current level (the zone of proximal development).
    fit = math.exp(-(((entry.item.difficulty - m - 0.05) / _ZONE) ** 2) / 2.0)
    length = math.sqrt(entry.item.duration_minutes / 10.0)
    return BASE_GAIN[entry.format] * weight * completion * fit * length * readiness(mastery, skill)


def learn(mastery: np.ndarray, entry: LibraryItem, completion: float, learn_rate: float) -> None:
    """Apply what doing ``completion`` (0..1) of ``entry`` teaches, in place."""
    if completion <= 0:
        return
    gains = [
        (skill, min(0.5, learn_rate * gain(mastery, entry, skill, w, completion)))
        for skill, w in zip(entry.skills, entry.weights, strict=True)
    ]
    for skill, g in gains:
        mastery[skill] += g * (1.0 - mastery[skill])
