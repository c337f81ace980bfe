"""The level model: answers nudge it, practice grows it, tenure sets where it starts."""

from __future__ import annotations

import math
import uuid

import numpy as np

from learnwire.core.learner import level
from learnwire.core.learner.gain_params import START_SD, GainModel, GainParams
from learnwire.core.learner.state import LearnerState


def test_level_practice_grows_most_just_above_the_current_level():
    at_level = level.after_practice(0.5, 0.55) - 0.5
    too_easy = level.after_practice(0.5, 0.1) - 0.5
    too_hard = level.after_practice(0.5, 0.95) - 0.5
    assert at_level > too_easy > 0 and at_level > too_hard > 0
    assert level.after_practice(0.99, 0.99) <= 1.0


def test_level_answers_move_it_the_right_way():
    assert level.after_answer(0.5, True, 0.7) > 0.5 > level.after_answer(0.5, False, 0.3)
    # A right answer on an easy item says less than one on a hard item.
    assert level.after_answer(0.5, True, 0.2) - 0.5 < level.after_answer(0.5, True, 0.8) - 0.5


def test_level_prior_grows_with_years_in_the_company():
    assert level.role_prior_share(None) == level.ROLE_PRIOR_SHARE
    assert level.role_prior_share(0) < level.role_prior_share(2) < level.role_prior_share(10)
    assert level.role_prior_share(50) <= level.ROLE_PRIOR_NEW + level.ROLE_PRIOR_GAIN


def test_level_answers_weigh_slips_and_guesses():
    # Far above an item's difficulty, the fitted slip rate explains the odd wrong answer:
    # at the slip rate the expected step is zero, so easy items cannot drag a level down.
    guess, slip = 0.2, 0.1
    level_now, easy = 0.8, 0.3
    up = level.after_answer(level_now, True, easy, guess=guess, slip=slip) - level_now
    down = level_now - level.after_answer(level_now, False, easy, guess=guess, slip=slip)
    drift = (1 - slip) * up - slip * down
    assert abs(drift) < 1e-3
    # A lucky guess on a hard item moves the level less once guessing is accounted for.
    naive = level.after_answer(0.4, True, 0.9) - 0.4
    assert 0 < level.after_answer(0.4, True, 0.9, guess=guess, slip=slip) - 0.4 < naive


def test_level_practice_gain_scales_with_format_and_readiness():
    video = level.after_practice(0.5, 0.55, gain=level.FORMAT_GAIN["video"])
    exercise = level.after_practice(0.5, 0.55, gain=level.FORMAT_GAIN["exercise"])
    assert exercise > video > 0.5
    gains = level.format_gains(["simulation", "video", "something-new"])
    assert gains[0] > gains[1] == gains[2] == 1.0


def test_level_readiness_follows_the_weakest_prerequisite():
    # Skill 2 needs skills 0 and 1 at 0.5; skill 0 needs nothing.
    prereq = np.zeros((3, 3), np.float32)
    prereq[2, 0] = prereq[2, 1] = 0.5
    ready = level.readiness(np.array([0.5, 0.25, 0.0], np.float32), prereq)
    assert ready[0] == ready[1] == 1.0
    assert ready[2] == 0.5
    floor = level.readiness(np.array([0.0, 0.0, 0.0], np.float32), prereq)
    assert floor[2] == level.MIN_READINESS


def test_level_pace_learns_from_answers_on_practised_skills():
    # Believed at 0.7 on a skill that flips at 0.5, mostly thanks to 0.2 of practice credit:
    # a wrong answer says this person learns slower than the curve assumed.
    slower, precision = level.pace_update(0.55, 0.2, False, 0.5, 0.0, 11.0, guess=0.2, slip=0.1)
    assert slower < 0.0 and precision > 11.0
    # Nothing was credited by practice: the answer says nothing about pace.
    assert level.pace_update(0.55, 0.0, False, 0.5, 0.0, 11.0) == (0.0, 11.0)
    # Right answers never make the curve faster than it is.
    faster, _ = level.pace_update(0.45, 0.2, True, 0.5, 0.0, 11.0, guess=0.2, slip=0.1)
    assert faster == 0.0
    back, _ = level.pace_update(0.45, 0.2, True, 0.5, -0.3, 11.0, guess=0.2, slip=0.1)
    assert -0.3 < back <= 0.0


def test_level_uncertainty_follows_the_fitted_start_spread():
    """Before evidence the level is as uncertain as the organisation's starts are off; answers
    narrow it, but never below the half-normal left when they only say "above the switch"."""

    def state(start_sd: float | None) -> LearnerState:
        st = LearnerState(learner_id=uuid.uuid4(), n_skills=3, n_formats=1)
        if start_sd is not None:
            st.gain = GainModel.of(GainParams(start_sd=start_sd, fitted=True), ["a", "b", "c"])
        st.evidence[:] = [0.0, 4.0, 400.0]
        st.target[:] = 0.7
        st.mastery[:] = 0.7
        return st

    half = math.sqrt(1 - 2 / math.pi)
    default = state(None).level_sd
    np.testing.assert_allclose(default, [START_SD, START_SD / math.sqrt(2), half * START_SD])
    fitted = state(0.10)
    np.testing.assert_allclose(fitted.level_sd, [0.10, 0.10 / math.sqrt(2), half * 0.10])
    # A skill at its target still shows a gap, in proportion to that uncertainty.
    assert fitted.gap[2] < state(None).gap[2]
    np.testing.assert_allclose(fitted.gap[0], 0.10 / math.sqrt(2 * math.pi), rtol=1e-3)
