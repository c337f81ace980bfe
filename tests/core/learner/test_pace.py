"""The person's pace: answers on practised skills re-credit practice at a slower pace."""

from __future__ import annotations

import uuid

from learnwire.core.learner.bkt import DEFAULT_PARAMS
from learnwire.core.learner.replay import observe_answer, observe_completion
from learnwire.core.learner.state import LearnerState


def test_practice_is_recredited_at_a_slower_pace_after_wrong_answers():
    """Wrong answers where practice alone carried the level slow the person's pace: all
    practice so far counts for less, and so does practice to come."""
    params = DEFAULT_PARAMS
    st = LearnerState(learner_id=uuid.uuid4(), n_skills=6, n_formats=1)
    st.mastery[:] = 0.3
    for _ in range(12):
        for s in (3, 4):
            observe_completion(st, s, params, 0.45, 10.0, assessed=False, gain=1.5)
    credited = st.practised.copy()
    assert credited[3] > 0.15 and credited[4] > 0.15
    level_4 = float(st.mastery[4])
    for _ in range(4):
        observe_answer(st, 3, params, False, 0.45)
    assert st.log_pace < 0.0
    # Skill 4 was never assessed, yet its practice credit shrinks with the pace.
    assert st.mastery[4] < level_4 - 0.02 and st.practised[4] < credited[4]
    step = float(st.mastery[4])
    observe_completion(st, 4, params, 0.45, 10.0, assessed=False, gain=1.5)
    fresh = LearnerState(learner_id=uuid.uuid4(), n_skills=6, n_formats=1)
    fresh.mastery[:] = step
    observe_completion(fresh, 4, params, 0.45, 10.0, assessed=False, gain=1.5)
    assert float(st.mastery[4]) - step < float(fresh.mastery[4]) - step
