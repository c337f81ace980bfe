"""Outcomes per person on a small organisation worked out by hand, read through governance."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import numpy as np
import pytest

from learnwire.core.governance import AccessDenied, Subject
from learnwire.core.learner.build import build_state
from learnwire.core.measure.levels import track_levels
from learnwire.core.measure.outcomes import PURPOSE, load_outcome_model, person_outcomes
from learnwire.core.surveys.record import answer_relevance

ADMIN = Subject("ld_admin", "ld")


def _outcomes(runtime, org, mod, people=None):
    with runtime.db.connection() as conn:
        return {
            o.learner_id: o
            for o in person_outcomes(
                conn,
                people or org.everyone,
                start=mod.START,
                horizon_days=mod.HORIZON,
                now=mod.NOW,
                governance=runtime.governance,
                viewer=ADMIN,
            )
        }


def test_person_outcomes_completions_engagement_and_days_to_proficiency(
    runtime, outcomes_org, org_module
):
    got = _outcomes(runtime, outcomes_org, org_module)
    leads = {name: got[pid] for name, pid in outcomes_org.leads.items()}
    busy = leads["busy"]
    # Three distinct items inside the window; before the start and after the horizon excluded.
    assert busy.completions == 3 and busy.active_days == 3
    assert busy.observed_days == 90 and busy.active_day_share == pytest.approx(3 / 90, abs=1e-4)
    assert (leads["one"].completions, leads["idle"].completions) == (1, 0)
    assert leads["at_bar"].proficient and leads["at_bar"].proficient_at_start
    assert leads["at_bar"].days_to_proficiency == 0
    crosser = leads["crosser"]
    assert crosser.proficient and not crosser.proficient_at_start
    assert crosser.days_to_proficiency == pytest.approx(12.0)
    assert leads["idle"].proficient is False and leads["idle"].days_to_proficiency is None
    assert busy.role_id == "team-lead" and 0.7 <= busy.target_level <= 0.8
    # Analysts hold no role: no level, no proficiency, but their activity counts.
    analyst = got[outcomes_org.analysts[0]]
    assert analyst.role_id is None and analyst.proficient is None
    assert analyst.completions == 1 and all(m.level is None for m in analyst.mastery)
    assert (busy.relevance_rate, busy.relevance_answers) == (pytest.approx(2 / 3, abs=1e-4), 3)
    assert (busy.application_rate, busy.application_answers) == (1.0, 1)
    # Nobody asked: the rate says so instead of inventing a zero.
    assert leads["idle"].relevance_rate is None and leads["idle"].relevance_answers == 0


def test_mastery_at_checkpoints_has_a_range_and_grows_with_practice(
    runtime, outcomes_org, org_module
):
    busy = _outcomes(runtime, outcomes_org, org_module)[outcomes_org.leads["busy"]]
    assert [m.day for m in busy.mastery] == [0, 30, 60, 90]
    levels = [m.level for m in busy.mastery]
    assert all(m.low <= m.level <= m.high for m in busy.mastery)
    assert levels[-1] > levels[0]
    assert busy.mastery[0].gain == 0 and busy.mastery[3].gain == pytest.approx(
        levels[3] - levels[0], abs=1e-3
    )
    # Day 40's item moves day 60; between days 60 and 90 nothing happens, so unconfirmed
    # practice credit only fades (slowly: the prior forgets over about a year).
    assert levels[1] < levels[2]
    assert levels[2] - 0.01 < levels[3] <= levels[2]


def test_level_as_of_a_date_is_the_models_estimate_from_the_evidence_until_then(
    runtime, outcomes_org, org_module
):
    gov = runtime.governance
    person = outcomes_org.leads["busy"]
    with runtime.db.connection() as conn:
        views = gov.aggregate_views(
            conn, outcomes_org.everyone, PURPOSE, ADMIN, as_of=org_module.NOW
        )
        model = load_outcome_model(conn, gov)
    view = views[person]
    moments = [org_module.START + timedelta(days=d) for d in (-20, 4, 5.005, 30, 41, 99)]
    # The model as it stood at each moment: the evidence until then, with practice credit
    # faded up to that moment (build_state on the view as of then).
    for at in moments:
        track = track_levels(
            view, model.items, model.org, moments, start=org_module.START, facts_as_of=at
        )
        i = moments.index(at)
        cut = dataclasses.replace(
            view, events=tuple(e for e in view.events if e.occurred_at <= at), as_of=at
        )
        state = build_state(cut, model.items, model.org)
        np.testing.assert_allclose(track.level[i], state.mastery[track.required], rtol=1e-6)
        np.testing.assert_allclose(track.sd[i], state.level_sd[track.required], rtol=1e-6)


def test_fewer_than_k_people_or_a_learner_asking_is_refused(runtime, outcomes_org, org_module):
    three = list(outcomes_org.leads.values())[:3]
    with pytest.raises(AccessDenied):
        _outcomes(runtime, outcomes_org, org_module, people=three)
    with runtime.db.connection() as conn, pytest.raises(AccessDenied):
        person_outcomes(
            conn,
            outcomes_org.everyone,
            start=org_module.START,
            horizon_days=90,
            now=org_module.NOW,
            governance=runtime.governance,
            viewer=Subject.learner(three[0]),
        )


def test_what_a_person_opted_out_of_does_not_reach_the_outcomes(runtime, outcomes_org, org_module):
    with runtime.db.connection() as conn:
        for family in ("job_profile", "feedback"):
            conn.execute(
                "INSERT INTO policy_opt_out (learner_id, family) VALUES (%s, %s)",
                (outcomes_org.leads["busy"], family),
            )
    busy = _outcomes(runtime, outcomes_org, org_module)[outcomes_org.leads["busy"]]
    assert busy.role_id is None and busy.proficient is None  # the role was withheld
    assert busy.relevance_rate is None and busy.relevance_answers == 0  # so were the answers
    assert busy.completions == 3


def test_an_answer_recorded_by_the_survey_recorder_changes_the_rate(
    runtime, outcomes_org, org_module
):
    busy = outcomes_org.leads["busy"]
    with runtime.db.connection() as conn:
        answer_relevance(
            conn,
            runtime.intake(),
            learner_id=busy,
            content_id=outcomes_org.items["Hard conversations"],
            answer="not_relevant",
            via="lti",
            at=org_module.START + timedelta(days=31),
        )
    got = _outcomes(runtime, outcomes_org, org_module)[busy]
    # The later answer replaces the earlier "relevant" on the same item: 1 of 3 now.
    assert (got.relevance_rate, got.relevance_answers) == (pytest.approx(1 / 3, abs=1e-4), 3)
