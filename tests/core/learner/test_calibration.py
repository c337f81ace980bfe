"""Calibrating where answers switch from wrong to right on the level scale."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from learnwire.core.learner import calibration, level
from learnwire.core.learner.bkt import DEFAULT_PARAMS
from learnwire.core.learner.replay import observe_answer
from learnwire.core.learner.state import LearnerState


def _answers(rng: np.random.Generator, flips_at: list[float], per_skill: int = 1500):
    """Answers that switch at ``flips_at[skill]`` whatever the item's labelled difficulty."""
    skill = np.repeat(np.arange(len(flips_at)), per_skill)
    lvl = rng.uniform(0.1, 0.95, len(skill))
    difficulty = rng.uniform(0.1, 0.9, len(skill))
    knows = 1.0 / (1.0 + np.exp(-(lvl - np.asarray(flips_at)[skill]) / level.ELO_SCALE))
    correct = rng.random(len(skill)) < 0.2 + 0.7 * knows
    return skill, lvl, difficulty, correct


def test_calibration_finds_where_answers_switch():
    rng = np.random.default_rng(1)
    skill, lvl, difficulty, correct = _answers(rng, [0.45, 0.62])
    fitted = calibration.fit(
        skill, lvl, difficulty, correct, np.full(2, 0.2), np.full(2, 0.1), n_skills=3
    )
    # Labels say nothing here: the slope goes to ~0 and each offset to the skill's own switch.
    assert fitted.slope < 0.15
    assert abs(0.5 + fitted.offset[0] - 0.45) < 0.04
    assert abs(0.5 + fitted.offset[1] - 0.62) < 0.04
    # A skill without answers keeps the shared offset, between the two.
    assert fitted.offset[0] < fitted.offset[2] < fitted.offset[1]
    assert list(fitted.answers) == [1500, 1500, 0]


def test_calibration_keeps_labels_that_answers_bear_out():
    rng = np.random.default_rng(2)
    skill = np.zeros(3000, np.int64)
    lvl = rng.uniform(0.1, 0.95, 3000)
    difficulty = rng.uniform(0.1, 0.9, 3000)
    knows = 1.0 / (1.0 + np.exp(-(lvl - difficulty) / level.ELO_SCALE))
    correct = rng.random(3000) < 0.2 + 0.7 * knows
    fitted = calibration.fit(
        skill, lvl, difficulty, correct, np.full(1, 0.2), np.full(1, 0.1), n_skills=1
    )
    assert abs(fitted.slope - 1.0) < 0.1 and abs(fitted.offset[0]) < 0.03


def test_calibration_needs_enough_answers():
    rng = np.random.default_rng(3)
    skill, lvl, difficulty, correct = _answers(rng, [0.3], per_skill=50)
    fitted = calibration.fit(
        skill, lvl, difficulty, correct, np.full(1, 0.2), np.full(1, 0.1), n_skills=1
    )
    assert fitted.slope == 1.0 and fitted.offset[0] == 0.0


def test_effective_difficulty():
    assert level.effective_difficulty(0.8) == 0.8
    assert math.isclose(level.effective_difficulty(0.8, -0.06, 0.2), 0.5)
    assert level.effective_difficulty(0.9, 0.5, 1.0) == 1.0


def test_answer_is_read_against_the_calibrated_difficulty():
    """A right answer on an item labelled hard, on a skill whose answers switch at 0.5, says
    little about someone believed at 0.7; read as labelled it would push their level up."""

    def after(params) -> float:
        st = LearnerState(learner_id=None, n_skills=1, n_formats=1)  # type: ignore[arg-type]
        st.mastery[0] = 0.7
        observe_answer(st, 0, params, True, 0.85)
        return float(st.mastery[0]) - 0.7

    calibrated = replace(DEFAULT_PARAMS, difficulty_offset=0.0, difficulty_slope=0.0)
    assert after(DEFAULT_PARAMS) > 3 * after(calibrated) > 0
