"""The learner state built from the governed view: goals, levels, prerequisites, team gaps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from learnwire.core.learner import level
from learnwire.core.learner.mastery import assessment_responses, fit_and_store
from learnwire.core.models import (
    ContentItem,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    JobProfile,
    LearningEvent,
    Skill,
    SkillPrerequisite,
    TeamMembership,
)
from learnwire.core.ranker.service import RecommendationService
from learnwire.core.sources import ContentBatch, SourceBatch

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
ADL = "http://adlnet.gov/expapi/verbs/"


def _setup(runtime, db, team_size: int):
    intake = runtime.intake()
    refs = [IdentityRef(kind="demo", value=f"p{i}") for i in range(team_size)]
    items = [
        ContentItem(
            provider="demo",
            external_id=f"q{k}",
            title=f"Quiz {k}",
            format="exercise",
            duration_minutes=10,
            difficulty=0.3 + 0.1 * k,
            launch_url=f"https://lms.example/q{k}",
            activity_id=f"https://lms.example/q{k}",
            skills=[{"skill_id": "sql"}],
        )
        for k in range(4)
    ]
    facts, events, members = [], [], []
    for i, ref in enumerate(refs):
        facts.append(
            HrFact(
                subject=ref,
                source="demo",
                data_category=DataCategory.HR_PROFILE,
                occurred_at=NOW,
                fact_type=HrFactType.JOB_PROFILE,
                value="analyst",
            )
        )
        members.append(
            TeamMembership(subject=ref, source="demo", occurred_at=NOW, unit_external_id="team-a")
        )
        for k in range(6):  # everyone struggles with SQL: a shared team gap
            events.append(
                LearningEvent(
                    statement_id=uuid.uuid4(),
                    subject=ref,
                    source="demo",
                    data_category=DataCategory.ASSESSMENT,
                    occurred_at=NOW - timedelta(days=10 - k),
                    verb=ADL + "answered",
                    object_id=f"https://lms.example/q{k % 4}",
                    result={"success": (i + k) % 3 == 0},
                )
            )
    facts.append(
        HrFact(
            subject=refs[0],
            source="demo",
            data_category=DataCategory.CAREER,
            occurred_at=NOW,
            fact_type=HrFactType.CAREER_INTEREST,
            value="lead",
        )
    )
    with db.connection() as conn:
        intake.store(
            conn,
            SourceBatch(
                skills=[Skill(id=s, name=s.upper(), domain="data") for s in ("sql", "stats", "ml")]
                + [Skill(id="coaching", name="Coaching", domain="management")],
                prerequisites=[
                    SkillPrerequisite(skill_id="ml", requires_skill_id="stats", min_level=0.6)
                ],
                job_profiles=[
                    JobProfile(
                        id="analyst",
                        name="Analyst",
                        requirements=[
                            {"skill_id": "sql", "target_level": 0.8},
                            {"skill_id": "ml", "target_level": 0.7},
                        ],
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
        intake.store_content(conn, ContentBatch(items=items), provider="demo")
        intake.store(
            conn, SourceBatch(facts=facts, events=events, memberships=members), source="demo"
        )
        fit_and_store(conn, assessment_responses(conn))
        return intake.resolver.resolve_subjects(conn, refs, source="demo")


def test_build_goals_levels_and_prerequisite_targets(runtime, db):
    learners = _setup(runtime, db, 5)
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        items = svc.model(conn).items
        state, _ = svc.state(conn, learners[0], at=NOW)
    ix = items.skills.index
    assert state.role_name == "Analyst"
    assert state.target[ix["sql"]] == 0.8 and state.target[ix["ml"]] == 0.7
    # ml needs stats at 0.6: stats becomes a target on the way, and says why.
    assert abs(state.target[ix["stats"]] - 0.6) < 1e-6
    assert state.prerequisite_for[ix["stats"]] == ix["ml"]
    # The career interest in the lead role turns its skills into goals.
    assert state.goals[ix["coaching"]] > 0
    assert "the role you are aiming for (Analytics Lead)" in state.goal_origin[ix["coaching"]]
    assert state.mastery_known[ix["sql"]] and state.evidence[ix["sql"]] == 6
    assert 0 < state.p_known[ix["sql"]] < 1


def test_build_team_gap_needs_k_people(runtime, db):
    svc = RecommendationService(runtime)
    learners = _setup(runtime, db, 5)
    with db.connection() as conn:
        ix = svc.model(conn).items.skills.index
        state, _ = svc.state(conn, learners[1], at=NOW)
    assert state.team_gap[ix["sql"]] > 0, "five people: the team's mean gap is shown"


def test_build_team_gap_withheld_below_k(runtime, db):
    svc = RecommendationService(runtime)
    learners = _setup(runtime, db, 4)
    with db.connection() as conn:
        state, _ = svc.state(conn, learners[1], at=NOW)
    assert not state.team_gap.any(), "four people are fewer than k = 5: nothing is shown"


def test_calibration_is_stored_and_read_by_the_next_model(runtime, db):
    from learnwire.core.learner.calibration import calibrate_and_store

    # 40 analysts x 6 answers on SQL, right only a third of the time although the model
    # starts them at 0.6 against items labelled 0.3..0.6: the items are harder than labelled.
    learners = _setup(runtime, db, 40)
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        before, _ = svc.state(conn, learners[0], at=NOW)
        report = calibrate_and_store(conn, svc)
        offset, slope, n = conn.execute(
            "SELECT difficulty_offset, difficulty_slope, n_calibration FROM bkt_skill_params "
            "WHERE skill_id = 'sql'"
        ).fetchone()
        model = svc.model(conn)
        after, _ = svc.state(conn, learners[0], at=NOW)
    assert report.answers == 240 and report.learners == 40 and n == 240
    assert offset > 0.05
    sql = model.items.skills.index["sql"]
    assert model.org.params[sql].difficulty_offset == offset  # the model was rebuilt
    assert model.org.params[sql].difficulty_slope == slope
    # Wrong answers on items now known to be harder pull the level down less.
    assert after.mastery[sql] > before.mastery[sql]


def test_build_serves_the_fitted_logistic_model_and_memory(runtime, db):
    from learnwire.core.learner.practice_history import PracticeHistory

    learners = _setup(runtime, db, 40)  # 240 answers: enough to fit the logistic model
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        n_events, features = conn.execute(
            "SELECT n_events, features FROM kt_logistic_model"
        ).fetchone()
        skills = [r[0] for r in conn.execute("SELECT skill_id FROM kt_logistic_skill")]
        model = svc.model(conn)
        state, _ = svc.state(conn, learners[0], at=NOW)
        report = fit_and_store(conn, assessment_responses(conn))
    assert n_events == 240 and skills == ["sql"] and report.logistic["fitted"]
    kt = model.org.kt
    assert kt is not None and list(kt.weights) and tuple(features) == kt_features()
    # p_correct is the loaded model's prediction after replaying the learner's answers.
    history = PracticeHistory()
    for k in range(6):
        day = (NOW - timedelta(days=10 - k)).timestamp() / 86400
        kt.observe(history, "sql", k % 3 == 0, day)
    sql = model.items.skills.index["sql"]
    expected = kt.predict(history, "sql", None, NOW.timestamp() / 86400)
    assert abs(float(state.p_correct[sql]) - expected) < 1e-6
    # Memory: six answers on six days are six reviews; the last began four days ago.
    assert state.memory_stability[sql] > 0
    assert state.memory_review_at[sql] * 86400 == (NOW - timedelta(days=5)).timestamp()
    assert state.memory_stability[model.items.skills.index["ml"]] == 0
    # Too few answers left (say, after erasures): the next fit removes the model.
    with db.connection() as conn:
        conn.execute("DELETE FROM learning_event WHERE NOT learner_id = ANY(%s)", (learners[:5],))
        report = fit_and_store(conn, assessment_responses(conn))
        left = conn.execute("SELECT count(*) FROM kt_logistic_model").fetchone()[0]
    assert not report.logistic["fitted"] and report.logistic["answers"] == 30 and left == 0


def test_build_without_enough_answers_predicts_with_bkt(runtime, db):
    from learnwire.core.learner.bkt import predict_from_logit

    learners = _setup(runtime, db, 5)  # 30 answers: too few for the logistic model
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM kt_logistic_model").fetchone()[0] == 0
        model = svc.model(conn)
        state, _ = svc.state(conn, learners[0], at=NOW)
    sql = model.items.skills.index["sql"]
    assert model.org.kt is None
    bkt_p = predict_from_logit(float(state.known_logit[sql]), model.org.params[sql])
    assert abs(float(state.p_correct[sql]) - bkt_p) < 1e-6


def kt_features() -> tuple[str, ...]:
    from learnwire.core.learner.practice_history import FEATURES

    return FEATURES


def test_build_starts_a_transfer_from_their_time_in_the_role_and_their_previous_role(runtime, db):
    # Two analysts hired eight years ago: one has held the role since; the other moved in
    # three months ago after five years as analytics lead.
    learners = _setup(runtime, db, 3)
    hired = (NOW - timedelta(days=8 * 365)).date().isoformat()
    moved = (NOW - timedelta(days=91)).date().isoformat()
    led_from = (NOW - timedelta(days=91 + 5 * 365)).date().isoformat()

    def fact(person: int, kind: HrFactType, value, key: str = "") -> HrFact:
        ref = IdentityRef(kind="demo", value=f"p{person}")
        return HrFact(subject=ref, source="demo", data_category=DataCategory.HR_PROFILE,
                      occurred_at=NOW, fact_type=kind, key=key, value=value)  # fmt: skip

    facts = [
        fact(1, HrFactType.HIRE_DATE, hired),
        fact(2, HrFactType.HIRE_DATE, hired),
        fact(2, HrFactType.JOB_PROFILE_START, moved),
    ]
    held = {"id": "lead", "start_date": led_from, "end_date": moved}
    facts.append(fact(2, HrFactType.PREVIOUS_JOB_PROFILE, held, key="lead"))
    with db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(facts=facts), source="demo")
    svc = RecommendationService(runtime)
    with db.connection() as conn:
        ix = svc.model(conn).items.skills.index
        stayer, _ = svc.state(conn, learners[1], at=NOW)
        transfer, _ = svc.state(conn, learners[2], at=NOW)
    ml, coaching = ix["ml"], ix["coaching"]
    # Eight years in the role: close to its bar (0.7); three months in it: well short.
    assert stayer.mastery[ml] == pytest.approx(0.7 * level.role_prior_share(8.0), abs=0.01)
    assert transfer.mastery[ml] == pytest.approx(0.7 * level.role_prior_share(0.25), abs=0.01)
    assert transfer.mastery[ml] < stayer.mastery[ml] - 0.15
    # Five years as lead, a role asking for coaching at 0.7: the transfer brings it along,
    # fading since the move at the forgetting rate (analysts are not asked for coaching).
    carried = 0.7 * level.role_prior_share(5.0)
    kept = float(transfer.gain.decay(91.0))
    assert 0.7 < kept < 0.8
    faded = level.DEFAULT_LEVEL + (carried - level.DEFAULT_LEVEL) * kept
    assert transfer.mastery[coaching] == pytest.approx(faded, abs=0.01)
    assert stayer.mastery[coaching] == pytest.approx(level.DEFAULT_LEVEL)

    # Had the move been six years ago, little of the lead's coaching would be left.
    long_ago = {
        "id": "lead",
        "start_date": (NOW - timedelta(days=11 * 365)).date().isoformat(),
        "end_date": (NOW - timedelta(days=6 * 365)).date().isoformat(),
    }
    later = fact(2, HrFactType.PREVIOUS_JOB_PROFILE, long_ago, key="lead")
    with db.connection() as conn:
        conn.execute("DELETE FROM hr_fact WHERE fact_type = 'previous_job_profile'")
        runtime.intake().store(conn, SourceBatch(facts=[later]), source="demo")
    with db.connection() as conn:
        moved_long_ago, _ = svc.state(conn, learners[2], at=NOW)
    assert level.DEFAULT_LEVEL < moved_long_ago.mastery[coaching] < level.DEFAULT_LEVEL + 0.02
