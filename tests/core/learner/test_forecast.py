"""The 90-day forecast: a known role change, a dated team priority, decay, the ranking
signal, the k-anonymous team view and the command."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from click.testing import CliRunner

from learnwire.core.cli import cli
from learnwire.core.learner import forecast as fc
from learnwire.core.learner.forecast_team import GroupTooSmall, team_forecast
from learnwire.core.models import (
    ContentItem,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    JobProfile,
    LearningEvent,
    Skill,
    TeamMembership,
)
from learnwire.core.ranker.service import RecommendationService
from learnwire.core.sources import ContentBatch, SourceBatch

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
MOVE = date(2026, 12, 20)  # 30 days ahead
ADL = "http://adlnet.gov/expapi/verbs/"


def _item(k: int, skill: str) -> ContentItem:
    return ContentItem(
        provider="demo",
        external_id=f"{skill}{k}",
        title=f"{skill} {k}",
        format="exercise",
        duration_minutes=10,
        difficulty=0.3 + 0.1 * k,
        launch_url=f"https://lms.example/{skill}{k}",
        activity_id=f"https://lms.example/{skill}{k}",
        skills=[{"skill_id": skill}],
    )


def _fact(ref, kind, value, category=DataCategory.HR_PROFILE, key=""):
    return HrFact(subject=ref, source="demo", data_category=category, occurred_at=NOW,
                  fact_type=kind, key=key, value=value)  # fmt: skip


def _setup(runtime, db, reports: int, priority_ends: date | None = None, all_move=False):
    """``reports`` analysts in team-a under one manager; analyst 0 moves to Analytics Lead
    on MOVE (succession), analyst 1 is interested in it for a date beyond the horizon."""
    intake = runtime.intake()
    refs = [IdentityRef(kind="demo", value=f"p{i}") for i in range(reports + 1)]
    manager, people = refs[-1], refs[:-1]
    facts = [_fact(r, HrFactType.JOB_PROFILE, "analyst") for r in people]
    facts.extend(
        _fact(person, HrFactType.SUCCESSION_TARGET,
              {"job_profile_id": "lead", "effective_date": MOVE.isoformat()},
              DataCategory.CAREER, key="pos-1")
        for person in (people if all_move else people[:1])
    )  # fmt: skip
    facts.append(_fact(people[1], HrFactType.CAREER_INTEREST,
                       {"job_profile_id": "lead", "target_date": "2027-09-01"},
                       DataCategory.CAREER, key="lead"))  # fmt: skip
    members = [
        TeamMembership(
            subject=r,
            source="demo",
            occurred_at=NOW,
            unit_external_id="team-a",
            is_manager=r is manager,
        )
        for r in refs
    ]
    events = [
        LearningEvent(statement_id=uuid.uuid4(), subject=r, source="demo",
                      data_category=DataCategory.ASSESSMENT,
                      occurred_at=NOW - timedelta(days=10 - k), verb=ADL + "answered",
                      object_id=f"https://lms.example/sql{k % 3}", result={"success": False})
        for r in people
        for k in range(4)
    ]  # fmt: skip
    with db.connection() as conn:
        intake.store(
            conn,
            SourceBatch(
                skills=[
                    Skill(id="sql", name="SQL", domain="data"),
                    Skill(id="coaching", name="Coaching", domain="management"),
                ],
                job_profiles=[
                    JobProfile(
                        id="analyst",
                        name="Analyst",
                        requirements=[{"skill_id": "sql", "target_level": 0.8}],
                    ),
                    JobProfile(
                        id="lead",
                        name="Analytics Lead",
                        requirements=[{"skill_id": "coaching", "target_level": 0.7}],
                    ),
                ],
            ),
            source="demo",
        )
        intake.store_content(
            conn,
            ContentBatch(items=[_item(k, s) for s in ("sql", "coaching") for k in range(3)]),
            provider="demo",
        )
        intake.store(
            conn, SourceBatch(facts=facts, events=events, memberships=members), source="demo"
        )
        if priority_ends is not None:
            conn.execute(
                "INSERT INTO team_priority (source, unit_external_id, skill_id, weight, expires_at)"
                " VALUES ('demo', 'team-a', 'sql', 0.8, %s)",
                # Noon UTC: the end date is the same day in any session time zone.
                (datetime.combine(priority_ends, time(12), UTC),),
            )
        ids = intake.resolver.resolve_subjects(conn, refs, source="demo")
    return ids[:-1], ids[-1]


def test_forecast_role_change_within_90_days_gives_its_skills_with_reason_and_date(runtime, db):
    people, _ = _setup(runtime, db, 5)
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        mover, _ = svc.state(conn, people[0], at=NOW)
        later, _ = svc.state(conn, people[1], at=NOW)
        other, _ = svc.state(conn, people[2], at=NOW)
    moves = [g for g in mover.forecast if g.kind == "role_change"]
    assert [(g.skill_id, g.due, g.target) for g in moves] == [("coaching", MOVE, 0.7)]
    assert "succession to Analytics Lead on 2026-12-20 needs Coaching at 70%" in moves[0].reason
    # An interest dated beyond the horizon, and no move at all, forecast no role change.
    assert not [g for g in later.forecast if g.kind == "role_change"]
    assert not [g for g in other.forecast if g.kind == "role_change"]


def test_forecast_team_priority_with_an_end_date_inside_the_horizon(runtime, db):
    people, _ = _setup(runtime, db, 5, priority_ends=date(2027, 1, 31))
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        state, _ = svc.state(conn, people[2], at=NOW)
    gaps = [g for g in state.forecast if g.kind == "team_priority"]
    assert [(g.skill_id, g.due) for g in gaps] == [("sql", date(2027, 1, 31))]
    assert "runs until 2027-01-31" in gaps[0].reason


def test_forecast_team_priority_ending_after_the_horizon_is_left_out(runtime, db):
    people, _ = _setup(runtime, db, 5, priority_ends=date(2027, 6, 30))
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        state, _ = svc.state(conn, people[2], at=NOW)
    assert not [g for g in state.forecast if g.kind == "team_priority"]


def test_forecast_decay_of_a_reached_skill_left_unpractised(runtime, db):
    people, _ = _setup(runtime, db, 5)
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        model = svc.model(conn)
        state, view = svc.state(conn, people[2], at=NOW, model=model)
    sql = model.items.skills.index["sql"]
    state.mastery[sql] = 0.82
    state.days_since_practice[sql] = 100.0
    skills = model.items.skills
    gaps = fc.forecast(view, state, model.org, skills.ids, skills.names)
    decay = [g for g in gaps if g.kind == "decay"]
    assert [g.skill_id for g in decay] == ["sql"]
    assert "last practised SQL 100 days ago" in decay[0].reason
    state.days_since_practice[sql] = 20.0  # practised recently: not at risk
    gaps = fc.forecast(view, state, model.org, skills.ids, skills.names)
    assert not [g for g in gaps if g.kind == "decay"]


def test_forecast_signal_lifts_the_upcoming_role_skill_and_says_why(runtime, db):
    people, _ = _setup(runtime, db, 5)
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        ranking, _ = svc.rank(conn, people[0], at=NOW, limit=6)
        other, _ = svc.rank(conn, people[2], at=NOW, limit=6)

    def upcoming(r):
        return {
            rec.content_id: c
            for rec in r.recommendations
            for c in rec.contributions
            if c.signal == "upcoming_gap"
        }

    lifted = [c for c in upcoming(ranking).values() if c.value > 0]
    assert lifted and all("Analytics Lead on 2026-12-20" in c.detail for c in lifted)
    assert not [c for c in upcoming(other).values() if c.value > 0]


def test_forecast_team_view_is_k_anonymous(runtime, db):
    _, manager = _setup(runtime, db, 5, priority_ends=date(2027, 1, 31), all_move=True)
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        model = svc.model(conn)
        size, rows = team_forecast(conn, svc.governance, manager, model.items, model.org, at=NOW)
    assert size == 5
    kinds = {(r.kind, r.skill_id): r.people for r in rows}
    # All five share the team priority. Career plans never reach a manager's totals (the
    # purpose manager_team_view may not use the career category), whatever the count.
    assert kinds.get(("team_priority", "sql")) == 5
    assert not [r for r in rows if r.kind == "role_change"]


def test_forecast_team_view_refuses_a_group_below_k(runtime, db):
    _, manager = _setup(runtime, db, 4)
    svc = RecommendationService(runtime)
    with db.connection() as conn, pytest.raises(GroupTooSmall, match="4 people"):
        model = svc.model(conn)
        team_forecast(conn, svc.governance, manager, model.items, model.org, at=NOW)


def test_forecast_command_for_a_learner_and_a_team(runtime, db):
    people, manager = _setup(runtime, db, 4)
    runtime.pm.call_each("register_commands", cli=cli)
    runner = CliRunner()
    out = runner.invoke(cli, ["forecast", str(people[0]), "--at", NOW.isoformat(), "--json"],
                        obj=runtime, catch_exceptions=False)  # fmt: skip
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert {"kind": "role_change", "due": "2026-12-20", "skill_id": "coaching"}.items() <= next(
        r for r in rows if r["kind"] == "role_change"
    ).items()
    team = runner.invoke(cli, ["forecast", "--team", str(manager), "--at", NOW.isoformat()],
                         obj=runtime, catch_exceptions=False)  # fmt: skip
    assert team.exit_code != 0 and "at least 5" in team.output
