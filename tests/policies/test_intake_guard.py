"""Enforcement at intake, through the real Intake built from the installed plugins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from learnwire.core.models import (
    CalendarSignal,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    LearningEvent,
    PersonRecord,
)
from learnwire.core.sources import SourceBatch
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out
from learnwire.policies.intake_guard import PolicyIntakeGuard, minimise

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ANA = IdentityRef(kind="email", value="ana@example.com")


def _batch(source: str, n: int = 0) -> SourceBatch:
    return SourceBatch(
        people=[PersonRecord(source=source, identifiers=[ANA])],
        events=[
            LearningEvent(
                statement_id=uuid.UUID(int=n + 1),
                subject=ANA,
                source=source,
                data_category=DataCategory.ASSESSMENT,
                occurred_at=T0,
                verb="http://adlnet.gov/expapi/verbs/passed",
                object_id="https://lms.example/quiz/1",
                statement={
                    "actor": {"mbox": "mailto:ana@example.com", "name": "Ana Ruiz"},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                    "result": {"score": {"scaled": 0.9}, "response": "my free text answer"},
                },
            )
        ],
        facts=[
            HrFact(
                subject=ANA,
                source=source,
                data_category=DataCategory.PERFORMANCE,
                occurred_at=T0,
                fact_type=HrFactType.PERFORMANCE_GOAL,
                key=f"g{n}",
                value="grow the team",
            )
        ],
        calendar=[
            CalendarSignal(
                subject=ANA,
                source=source,
                occurred_at=T0,
                situation="one_to_one",
                starts_at=T0 + timedelta(days=1 + n),
                duration_minutes=30,
                event_key=f"event-key-{n:08d}",
            )
        ],
    )


def test_intake_guard_is_registered_and_minimises_statements(runtime, db):
    intake = runtime.intake()
    assert any(isinstance(g, PolicyIntakeGuard) for g in intake.guards)
    with db.connection() as conn:
        report = intake.store(conn, _batch("lms"), source="lms")
        statement = conn.execute("SELECT statement FROM learning_event").fetchone()[0]
    assert report.rejected == []
    assert "mbox" not in statement["actor"] and "name" not in statement["actor"]
    assert "response" not in statement["result"]
    assert statement["result"]["score"] == {"scaled": 0.9}


def test_intake_guard_refuses_categories_a_source_may_not_give(runtime, db):
    with db.connection() as conn:
        report = runtime.intake().store(conn, _batch("calendar"), source="calendar")
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM learning_event), (SELECT count(*) FROM hr_fact), "
            "(SELECT count(*) FROM calendar_signal)"
        ).fetchone()
    assert counts == (0, 0, 1)
    reasons = {r.kind: r.reason for r in report.rejected}
    assert reasons["events"] == "the policy does not accept assessment data from source 'calendar'"
    assert "performance" in reasons["facts"]


def test_intake_guard_opted_out_family_is_not_collected_from_then_on(runtime, db, settings):
    intake = runtime.intake()
    with db.connection() as conn:
        intake.store(conn, _batch("lms", 0), source="lms")
        learner = conn.execute("SELECT id FROM learner").fetchone()[0]
    guard = next(g for g in intake.guards if isinstance(g, PolicyIntakeGuard))
    with db.connection() as conn:
        for family in ("calendar", "hr_performance"):
            set_opt_out(conn, guard.engine, learner, family, by=Subject.learner(learner))
    with db.connection() as conn:
        report = intake.store(conn, _batch("lms", 1), source="lms")
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM learning_event), (SELECT count(*) FROM hr_fact), "
            "(SELECT count(*) FROM calendar_signal)"
        ).fetchone()
    assert counts == (2, 1, 1)  # the new event is stored; the new fact and meeting are not
    assert sorted(r.reason for r in report.rejected) == [
        "the learner opted out of 'calendar'; not collected",
        "the learner opted out of 'hr_performance'; not collected",
    ]


def test_intake_guard_minimise_leaves_the_original_untouched():
    original = {"actor": {"mbox": "mailto:a@b.c", "objectType": "Agent"}, "context": {}}
    out = minimise(original, ("actor.mbox", "context.extensions", "missing.path"))
    assert out == {"actor": {"objectType": "Agent"}, "context": {}}
    assert original["actor"]["mbox"] == "mailto:a@b.c"


def test_intake_guard_minimise_copies_only_what_loses_a_field():
    original = {
        "actor": {"mbox": "mailto:a@b.c", "objectType": "Agent"},
        "context": {"platform": "LMS"},
        "result": {"response": "yes", "extensions": {"x": {"y": 1}}},
    }
    out = minimise(original, ("actor.mbox", "context.extensions", "result.extensions.x.y"))
    assert out == {
        "actor": {"objectType": "Agent"},
        "context": {"platform": "LMS"},
        "result": {"response": "yes", "extensions": {"x": {}}},
    }
    assert out["context"] is original["context"]  # nothing dropped there: not copied
    assert out["result"] is not original["result"]
    assert original["result"]["extensions"] == {"x": {"y": 1}}
    assert original["actor"]["mbox"] == "mailto:a@b.c"
    # Nothing to drop: the statement itself, so the guard keeps the record as it is.
    assert minimise(original, ("context.extensions", "actor.name")) is original
