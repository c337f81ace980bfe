"""Managers' observation prompts: asked per team at the horizon, only when k or more of the
team learned the skill; answers reported per team only for teams of at least k, and never
about one person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learnwire.core import surveys
from learnwire.core.surveys import record
from learnwire.core.surveys.observations import observation_prompts, observation_results

from .conftest import complete, people, team

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
HORIZON = 30
SKILL = "management.coaching"  # catalogue items 1, 4, 7, ... teach it


def test_observations_are_asked_and_reported_only_for_teams_of_at_least_k(make_runtime, org):
    runtime = make_runtime()
    governance = runtime.governance
    k = governance.min_group_size
    ana, ben = org["ana"], org["ben"]
    big_members = people(runtime, "big", k)
    small_members = people(runtime, "small", k - 1)
    learned = AT - timedelta(days=HORIZON + 5)  # inside the window before the horizon
    big = team(runtime, "big", ana, big_members, learned - timedelta(days=90))
    small = team(runtime, "small", ben, small_members, learned - timedelta(days=90))
    for person in big_members + small_members:
        complete(runtime, person, 1, learned)
    with runtime.db.connection() as conn:
        [prompt] = observation_prompts(conn, governance, ana, at=AT, horizon_days=HORIZON)
        assert (prompt.team_id, prompt.skill_id, prompt.learners) == (big, SKILL, k)
        assert observation_prompts(conn, governance, ben, at=AT, horizon_days=HORIZON) == []
        # Before the horizon nobody is asked yet.
        early = AT - timedelta(days=10)
        assert observation_prompts(conn, governance, ana, at=early, horizon_days=HORIZON) == []
        # Only a manager of the team may answer, and only for a team of at least k.
        with pytest.raises(record.NotOnThisTeam):
            record.observe_team(
                conn, runtime.intake(), manager_id=ben, team_id=big, skill_id=SKILL,
                answer="seen_often", k=k, via="test",
            )  # fmt: skip
        with pytest.raises(record.TeamTooSmall):
            record.observe_team(
                conn, runtime.intake(), manager_id=ben, team_id=small, skill_id=SKILL,
                answer="seen_often", k=k, via="test",
            )  # fmt: skip
        done = record.observe_team(
            conn, runtime.intake(), manager_id=ana, team_id=big, skill_id=SKILL,
            answer="seen_sometimes", k=k, via="test", at=AT,
        )  # fmt: skip
        assert done.stored
        assert observation_prompts(conn, governance, ana, at=AT, horizon_days=HORIZON) == []
        statement = conn.execute(
            "SELECT statement FROM learning_event WHERE statement_id = %s", (done.statement_id,)
        ).fetchone()[0]
    # The statement is about the team as an activity, and names no member.
    assert statement["object"]["id"] == surveys.TEAM_ACTIVITY + "hr/big"
    assert not any(str(m) in str(statement) for m in big_members)

    window = {"since": AT - timedelta(days=1), "until": AT + timedelta(days=1)}
    with runtime.db.connection() as conn:
        results = observation_results(conn, k=k, **window)
        assert [(t.team_id, t.skill_id, t.answers, t.share_seen) for t in results.teams] == [
            (big, SKILL, {"seen_sometimes": 1}, 1.0)
        ]
        # The team shrinks below k: its answers are withheld from then on, only counted.
        conn.execute(
            "DELETE FROM team_membership WHERE learner_id = %s AND unit_external_id = 'big'",
            (big_members[0],),
        )
        shrunk = observation_results(conn, k=k, **window)
    assert shrunk.teams == [] and shrunk.withheld_teams == 1
    [raw] = surveys.survey_responses(runtime.db, kind=surveys.OBSERVATION, **window)
    assert (raw.team_id, raw.skill_id, raw.answer, raw.content_id) == (
        big,
        SKILL,
        "seen_sometimes",
        None,
    )
