"""The level model: answers nudge it, practice grows it, tenure sets where it starts."""

from __future__ import annotations

from learnwire.core.learner import level


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
