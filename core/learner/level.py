"""Skill level on the job profile's scale, alongside BKT's probability of mastery.

BKT answers "has this person mastered the skill as the assessments test it?" — a
probability that saturates once answers are reliably right. Job profiles ask for a *level*
(0..1, like item difficulty), and answers stop telling levels apart once they are reliably
right. The level estimate therefore combines two generic mechanisms:

- Elo-style updates from each answer against the item's difficulty (a right answer on a
  hard item moves the level up more than on an easy one, a wrong answer on an easy item
  moves it down more);
- a learning curve for practice: each completed item closes a share of the headroom,
  most when its difficulty sits just above the current level (zone of proximal
  development), whether or not it was assessed.

The practice curve's parameters (how much an item teaches by format, skill, minutes,
difficulty relative to the level and readiness, and how fast practice credit fades) are
fitted from the organisation's own answers before and after practice
(:mod:`learnwire.core.learner.gain_sml`); before a fit, their documented priors
(:mod:`learnwire.core.learner.gain_params`) apply. The Elo step and scale, the pace prior and
the starting levels below remain assumptions (docs/learning-model.md lists them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import gain_params
from .gain_params import DEFAULT_GAIN, GainParams

#: How far one answer moves the level, and how sharply difficulty separates right from wrong.
#: The step is small on purpose: once someone answers reliably right, more right answers say
#: little about how far above the bar they are, and a large step reads them as ever higher.
ELO_K, ELO_SCALE = 0.02, 0.10
#: The practice curve's parameters and their documented defaults live in
#: :mod:`learnwire.core.learner.gain_params`; the organisation's fit replaces them.
PRACTICE_GAIN, ZONE = gain_params.PRACTICE_GAIN, gain_params.ZONE
FORMAT_GAIN, MIN_READINESS = gain_params.FORMAT_GAIN, gain_params.MIN_READINESS
#: Share of the practice credit still unconfirmed after one more answer on the skill.
CONFIRMS = 0.8
#: Person's pace of learning (multiplies the practice curve): log-normal prior with this sd,
#: and the range it is kept in. People learn at very different rates, and crediting
#: everyone at the curve's pace reads slow learners as done long before they are. Answers
#: may only slow the curve down: crediting faster than it ends practice before the level is
#: reached, which costs far more than the few extra items crediting too slowly costs
#: (measured on bench/outcomes.py: letting answers speed it up as well gained nothing).
PACE_PRIOR_SD, PACE_MIN, PACE_MAX = 0.3, 0.3, 1.0
#: Level assumed for a skill nobody has evidence about (HR-recorded levels replace it).
DEFAULT_LEVEL = 0.3
#: Without evidence, a skill the person's role requires starts at this share of its target
#: (hire date unknown), or at a share growing from NEW to NEW + GAIN over the first years.
ROLE_PRIOR_SHARE = 0.75
ROLE_PRIOR_NEW, ROLE_PRIOR_GAIN, ROLE_PRIOR_YEARS = 0.6, 0.35, 2.0


def knows(level: float, difficulty: float) -> float:
    """The logistic in level minus difficulty under every answer: 1/2 at the difficulty."""
    return 1.0 / (1.0 + math.exp(-(level - difficulty) / ELO_SCALE))


def expected_correct(
    level: float, difficulty: float, guess: float = 0.0, slip: float = 0.0
) -> float:
    """P(right answer): a guess or a slip (BKT's fitted rates for the skill) around
    :func:`knows`."""
    return guess + (1.0 - guess - slip) * knows(level, difficulty)


def effective_difficulty(difficulty: float, offset: float = 0.0, slope: float = 1.0) -> float:
    """The level at which a person answers an item of this labelled ``difficulty`` right half
    the time (before guess and slip), for a skill whose answers are calibrated by ``offset``
    and ``slope`` (see :mod:`learnwire.core.learner.calibration`).

    Authors label difficulty on their own scale, and how hard a skill's questions are
    is a property of the skill's assessments more than of any one item: where answers switch
    from wrong to right is measured from the organisation's answers, not assumed.
    """
    return min(1.0, max(0.0, 0.5 + offset + slope * (difficulty - 0.5)))


def after_answer(
    level: float,
    correct: bool,
    difficulty: float,
    *,
    guess: float = 0.0,
    slip: float = 0.0,
    evidence: float = 0.0,
) -> float:
    """One Elo step against the item's difficulty, expecting the skill's guess and slip."""
    k = ELO_K
    expected = expected_correct(level, difficulty, guess, slip)
    moved = level + k * ((1.0 if correct else 0.0) - expected)
    return min(1.0, max(0.0, moved))


def pace_update(
    level: float,
    practised: float,
    correct: bool,
    difficulty: float,
    log_pace: float,
    precision: float,
    *,
    guess: float = 0.0,
    slip: float = 0.0,
) -> tuple[float, float]:
    """One answer's evidence about the person's pace: an extended Kalman step on log pace.

    ``practised`` is the level the practice curve credited on the skill at the current pace,
    so a change of log pace by ``x`` moves the level by about ``practised * x``: an answer
    on a skill whose level rests on practice says how fast this person learns, one on a
    skill known from the start says nothing about it. Returns (log pace, precision).
    """
    if practised <= 0.0:
        return log_pace, precision
    k = knows(level, difficulty)
    p = min(1.0 - 1e-3, max(1e-3, expected_correct(level, difficulty, guess, slip)))
    slope = (1.0 - guess - slip) * k * (1.0 - k) / ELO_SCALE * practised
    info = slope * slope / (p * (1.0 - p))
    score = ((1.0 if correct else 0.0) - p) / (p * (1.0 - p)) * slope
    precision += info
    moved = log_pace + score / precision
    return min(math.log(PACE_MAX), max(math.log(PACE_MIN), moved)), precision


def after_practice(
    level: float,
    difficulty: float,
    minutes: float = 10.0,
    share: float = 1.0,
    gain: float = 1.0,
    params: GainParams = DEFAULT_GAIN,
) -> float:
    """After doing ``share`` of an item of ``minutes`` (time on task teaches too);
    ``gain`` scales it for the format, the skill, the skill's weight in the item and
    readiness."""
    return level + float(practice_step(level, difficulty, minutes, gain, params)) * share


def practice_step(
    level: Any, difficulty: Any, minutes: Any, gain: Any = 1.0, params: GainParams = DEFAULT_GAIN
) -> Any:
    """How far one completed item moves the level: the practice curve (parameters:
    :mod:`learnwire.core.learner.gain_params`), for single values or broadcast numpy arrays
    alike (the ranker predicts it for every candidate at once)."""
    fit = np.exp(-(((difficulty - level - params.peak) / params.zone) ** 2) / 2.0)
    length = (np.maximum(minutes, 1.0) / 10.0) ** params.duration_exponent
    return params.practice_gain * gain * fit * length * (1.0 - level)


def format_gains(formats: Sequence[str], params: GainParams = DEFAULT_GAIN) -> np.ndarray:
    """The format gain for each of ``formats`` (a catalogue's format codes)."""
    return params.formats(formats)


def readiness(levels: np.ndarray, prereq_level: np.ndarray, exponent: float = 1.0) -> np.ndarray:
    """Per skill: 1 when every prerequisite is at its minimum level (``prereq_level[s, p]``,
    0 = no edge), down to :data:`MIN_READINESS` as the weakest one falls short, raised to
    the fitted ``exponent``. Pass rows of ``prereq_level`` for just some skills."""
    needed = prereq_level > 0
    ratio = np.where(needed, levels[None, :] / np.where(needed, prereq_level, 1.0), 1.0)
    ready = np.clip(ratio.min(axis=1, initial=1.0), MIN_READINESS, 1.0)
    return (ready**exponent).astype(np.float32)


def readiness_of(
    levels: Any, prerequisites: Sequence[tuple[int, float]], exponent: float = 1.0
) -> float:
    """:func:`readiness` of one skill from its (prerequisite, minimum level) pairs: the
    scalar form history replay uses, one finished item at a time."""
    ready = 1.0
    for p, needed in prerequisites:
        ready = min(ready, float(levels[p]) / needed)
    return float(min(1.0, max(MIN_READINESS, ready)) ** exponent)


def role_prior_share(years_in_company: float | None) -> float:
    """Share of a required skill's target assumed before any evidence (an experience curve)."""
    if years_in_company is None:
        return ROLE_PRIOR_SHARE
    grown = 1.0 - math.exp(-years_in_company / ROLE_PRIOR_YEARS)
    return ROLE_PRIOR_NEW + ROLE_PRIOR_GAIN * grown
