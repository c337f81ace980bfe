"""The governed view: only what the purpose permits, opt-outs and retention honoured,
blocked families reported with the reason, performance evaluation denied and audited."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from learnwire.core.errors import ValidationFailed
from learnwire.policies import audit
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out
from learnwire.policies.engine import AccessDenied, PolicyEngine
from learnwire.policies.utilisation import utilisation_report
from learnwire.policies.view import governed_view

FAMILIES_WITH_OPT_OUT = [
    "assessment_results",
    "job_profile",
    "hr_performance",
    "career_goals",
    "calendar",
    "feedback",
]
RANKER = Subject.service("ranker")


def _everything(org, learner: uuid.UUID) -> None:
    org.event(learner, category="behavioural", days_ago=2)
    org.event(learner, category="behavioural", days_ago=400)  # past 180 days
    org.event(learner, category="assessment", days_ago=3, score=0.8)
    org.event(learner, category="feedback", days_ago=1)
    org.fact(learner, fact_type="job_profile", category="hr_profile")
    org.fact(learner, fact_type="performance_goal", category="performance", value="ship X")
    org.fact(learner, fact_type="career_interest", category="career", value="data")
    org.calendar(learner, starts_in_days=1)
    org.calendar(learner, starts_in_days=-30)  # meeting 30 days ago: past 14 days
    org.member(learner, "team-a")


def test_view_development_recommendation_sees_permitted_data_within_retention(
    db, engine, make_org, now
):
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        _everything(org, learner)
        view = governed_view(conn, engine, learner, "development_recommendation", RANKER, as_of=now)
    assert len(view.events) == 3  # the 400-day-old behavioural event is withheld
    assert {f.fact_type for f in view.facts} == {
        "job_profile",
        "performance_goal",
        "career_interest",
    }
    assert len(view.calendar) == 1 and len(view.memberships) == 1
    statuses = {name: (s.status, s.reason) for name, s in view.families.items()}
    assert statuses["learning_activity"] == ("available", None)
    assert view.families["learning_activity"].withheld == {"retention": 1}
    assert view.families["calendar"].withheld == {"retention": 1}
    assert not view.blocked


def test_view_other_purpose_blocks_families_by_purpose(db, settings, make_org, now, policy_copy):
    access = policy_copy / "access.yaml"
    access.write_text(
        access.read_text() + "\n  analyst:\n    description: test role\n    grants:\n"
        "      - {actions: [read], resources: [learner_data], whose: anyone,"
        " purposes: [learning_analytics]}\n"
    )
    engine = PolicyEngine(audit_key=b"k", base_dir=policy_copy, db=db)
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        _everything(org, learner)
        view = governed_view(
            conn, engine, learner, "learning_analytics", Subject("analyst", "a"), as_of=now
        )
    blocked = {s.family: s.reason for s in view.blocked}
    assert blocked == {
        "hr_performance": "purpose",
        "career_goals": "purpose",
        "calendar": "purpose",
    }
    assert not view.calendar and all(f.data_category.value != "performance" for f in view.facts)
    assert not view.allows("calendar") and view.allows("learning_activity")
    assert len(view.events) == 3


def test_view_reader_without_grant_is_denied_and_audited(db, engine, make_org, now):
    with db.connection() as conn:
        learner = make_org(conn).learner()
        manager = make_org(conn).learner()
    with db.connection() as conn, pytest.raises(AccessDenied) as caught:
        governed_view(conn, engine, learner, "development_recommendation", Subject.manager(manager))
    assert "another person" in str(caught.value)
    with db.connection() as conn:
        [entry] = audit.recent(conn)
    assert entry.outcome == "denied" and entry.subject_hash == engine.audit.subject_hash(learner)
    assert str(learner) not in str(entry.as_dict())


def test_view_read_by_someone_else_is_audited_and_own_read_is_not(db, engine, make_org, now):
    with db.connection() as conn:
        learner = make_org(conn).learner()
        governed_view(conn, engine, learner, "development_recommendation", Subject.learner(learner))
        assert audit.recent(conn) == []
        governed_view(conn, engine, learner, "development_recommendation", RANKER)
        [entry] = audit.recent(conn)
    assert (entry.actor, entry.action, entry.outcome) == (
        "service:ranker",
        "read:learner_data",
        "allowed",
    )


def test_view_unknown_purpose_is_a_clear_error(db, engine, make_org, now):
    with db.connection() as conn:
        learner = make_org(conn).learner()
        with pytest.raises(ValidationFailed, match="unknown purpose 'marketing'"):
            governed_view(conn, engine, learner, "marketing", RANKER)


@hsettings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(
        st.tuples(st.sampled_from(["behavioural", "assessment", "feedback"]), st.integers(0, 2000)),
        max_size=12,
    ),
    viewer_role=st.sampled_from(["learner", "service", "compliance_officer", "manager"]),
)
def test_view_performance_evaluation_never_gets_learning_data_and_is_audited(
    db, engine, make_org, now, wipe_db, events, viewer_role
):
    wipe_db()
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        for category, days in events:
            org.event(learner, category=category, days_ago=days)
    viewer = Subject(
        viewer_role, "someone", learner if viewer_role in ("learner", "manager") else None
    )
    decision = engine.allowed(
        viewer, "read", _resource(learner, "behavioural"), "performance_evaluation"
    )
    assert not decision.allowed
    with db.connection() as conn:
        try:
            view = governed_view(conn, engine, learner, "performance_evaluation", viewer, as_of=now)
        except AccessDenied:
            view = None
    with db.connection() as conn:
        denials = [e for e in audit.recent(conn) if e.outcome == "denied"]
    if view is not None:
        assert view.events == ()
    assert denials and all(e.purpose == "performance_evaluation" for e in denials)


def _resource(learner, category):
    from learnwire.core.models import DataCategory
    from learnwire.policies.access import Resource

    return Resource("learner_data", owner=learner, category=DataCategory(category))


@hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    opted=st.sets(st.sampled_from(FAMILIES_WITH_OPT_OUT), min_size=1),
    viewer_role=st.sampled_from(["learner", "service", "compliance_officer"]),
)
def test_view_opted_out_family_never_reaches_the_view(
    db, engine, make_org, now, wipe_db, opted, viewer_role
):
    purpose = "development_recommendation"
    wipe_db()
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        _everything(org, learner)
        for family in sorted(opted):
            set_opt_out(conn, engine, learner, family, by=Subject.learner(learner))
        viewer = Subject(viewer_role, "v", learner if viewer_role == "learner" else None)
        view = governed_view(conn, engine, learner, purpose, viewer, as_of=now)
        report = utilisation_report(conn, engine, learner, purpose, viewer)
    records = [*view.events, *view.facts, *view.calendar, *view.memberships]
    assert not any(set(r.families) & opted for r in records)
    for family in opted:
        assert view.families[family].status == "blocked"
        assert view.families[family].reason in ("opt_out", "purpose")
        assert not view.allows(family)
        assert report.family(family).status == "blocked"
    if "calendar" in opted:
        assert view.calendar == ()


def test_view_utilisation_report_extends_with_ranker_signals(db, engine, make_org, now):
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        _everything(org, learner)
        set_opt_out(conn, engine, learner, "calendar", by=Subject.learner(learner))
        report = utilisation_report(conn, engine, learner, "development_recommendation", RANKER)
    extended = report.with_signals(
        [
            report.signal("calendar_context", ["calendar"], 0.3, 0.12),
            report.signal("skill_gap", ["job_profile", "learning_activity"], 1.0, 0.4),
        ]
    )
    uses = {s.signal: s for s in extended.signals}
    assert not uses["calendar_context"].used and uses["calendar_context"].blocked_by == ["calendar"]
    assert uses["calendar_context"].contribution is None
    assert uses["skill_gap"].used and uses["skill_gap"].contribution == 0.4
    assert extended.family("job_profile").signals == ["skill_gap"]
    assert extended.family("calendar").reason == "opt_out"
    assert extended.model_dump(mode="json")["learner_id"] == str(learner)
