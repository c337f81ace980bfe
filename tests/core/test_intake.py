"""Intake writes through to the real store, idempotently, with pseudonymous ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from learnwire.core.models import (
    CalendarSignal,
    ContentItem,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    LearningEvent,
    PersonRecord,
    Skill,
)
from learnwire.core.sources import ContentBatch, SourceBatch

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ALICE_MOODLE = IdentityRef(kind="moodle", namespace="https://lms.example", value="42")
ALICE_MAIL = IdentityRef(kind="email", value="Alice@Example.com")


def _event(i: int, subject: IdentityRef, verb: str = "completed") -> LearningEvent:
    return LearningEvent(
        statement_id=uuid.UUID(int=i + 1),
        subject=subject,
        source="moodle",
        data_category=DataCategory.BEHAVIOURAL,
        occurred_at=T0 + timedelta(minutes=i),
        verb=f"http://adlnet.gov/expapi/verbs/{verb}",
        object_id="https://lms.example/mod/page/1",
    )


def _batch() -> SourceBatch:
    return SourceBatch(
        people=[PersonRecord(source="moodle", identifiers=[ALICE_MOODLE, ALICE_MAIL])],
        skills=[Skill(id="feedback", name="Giving feedback", domain="management")],
        events=[_event(i, ALICE_MOODLE) for i in range(5)],
        facts=[
            HrFact(
                subject=ALICE_MAIL,
                source="moodle",
                data_category=DataCategory.HR_PROFILE,
                occurred_at=T0,
                fact_type=HrFactType.JOB_PROFILE,
                value="team-lead",
            )
        ],
        calendar=[
            CalendarSignal(
                subject=ALICE_MOODLE,
                source="moodle",
                occurred_at=T0,
                situation="one_to_one",
                starts_at=T0 + timedelta(days=1),
                duration_minutes=30,
                event_key="abcdef0123456789",
            )
        ],
    )


def test_intake_links_identifiers_to_one_pseudonymous_learner(runtime, db):
    intake = runtime.intake()
    with db.connection() as conn:
        report = intake.store(conn, _batch(), source="moodle")
    assert report.learners_created == 1
    with db.connection() as conn:
        learners = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
        owners = conn.execute("SELECT DISTINCT learner_id FROM learning_event").fetchall()
        facts = conn.execute("SELECT learner_id FROM hr_fact").fetchall()
        raw = conn.execute(
            "SELECT count(*) FROM identity_link WHERE value_hash ILIKE '%alice%'"
        ).fetchone()[0]
    assert learners == 1
    assert owners == facts
    assert raw == 0, "identifiers are stored only as keyed hashes"


def test_intake_replay_is_a_no_op(runtime, db):
    intake = runtime.intake()
    with db.connection() as conn:
        first = intake.store(conn, _batch(), source="moodle")
    with db.connection() as conn:
        second = intake.store(conn, _batch(), source="moodle")
    assert first.totals()["new"] == 5 + 1 + 1 + 1
    assert second.totals() == {"new": 0, "updated": 0, "unchanged": 8, "rejected": 0}
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learning_event").fetchone()[0] == 5


def test_intake_updates_a_changed_fact(runtime, db):
    intake = runtime.intake()
    batch = _batch()
    with db.connection() as conn:
        intake.store(conn, batch, source="moodle")
    changed = batch.model_copy(deep=True)
    changed.facts[0].__dict__["value"] = "manager"
    with db.connection() as conn:
        report = intake.store(conn, changed, source="moodle")
    assert report.counts["facts"].updated == 1
    with db.connection() as conn:
        assert conn.execute("SELECT value FROM hr_fact").fetchone()[0] == "manager"


def test_intake_rejects_undeclared_category_and_foreign_source(runtime, db):
    intake = runtime.intake()
    batch = _batch()
    batch.events.append(_event(99, ALICE_MOODLE).model_copy(update={"source": "other"}))
    with db.connection() as conn:
        report = intake.store(conn, batch, source="moodle", categories={DataCategory.BEHAVIOURAL})
    reasons = sorted(r.reason for r in report.rejected)
    assert any("did not declare category 'hr_profile'" in r for r in reasons)
    assert any("did not declare category 'calendar'" in r for r in reasons)
    assert any("source 'other'" in r for r in reasons)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM hr_fact").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM learning_event").fetchone()[0] == 5


def test_intake_reports_identity_conflict_instead_of_merging(runtime, db):
    intake = runtime.intake()
    bob = IdentityRef(kind="workday", namespace="acme", value="W-2")
    with db.connection() as conn:
        intake.store(conn, _batch(), source="moodle")
        intake.store(
            conn, SourceBatch(people=[PersonRecord(source="hr", identifiers=[bob])]), source="hr"
        )
    claim_both = SourceBatch(people=[PersonRecord(source="hr", identifiers=[ALICE_MAIL, bob])])
    with db.connection() as conn:
        report = intake.store(conn, claim_both, source="hr")
    assert len(report.conflicts) == 1
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM identity_conflict").fetchone()[0] == 1


def test_intake_content_links_events_and_retires(runtime, db):
    intake = runtime.intake()
    item = ContentItem(
        provider="moodle",
        external_id="page-1",
        title="Feedback that lands",
        format="article",
        duration_minutes=7,
        launch_url="https://lms.example/mod/page/view.php?id=1",
        activity_id="https://lms.example/mod/page/1",
        skills=[{"skill_id": "feedback"}],
    )
    with db.connection() as conn:
        intake.store(conn, SourceBatch(skills=_batch().skills), source="moodle")
        first = intake.store_content(conn, ContentBatch(items=[item]), provider="moodle")
        again = intake.store_content(conn, ContentBatch(items=[item]), provider="moodle")
        intake.store(conn, _batch(), source="moodle")
        linked = conn.execute(
            "SELECT count(*) FROM learning_event WHERE content_id IS NOT NULL "
            "AND skill_ids = '{feedback}'"
        ).fetchone()[0]
        intake.store_content(conn, ContentBatch(retired_external_ids=["page-1"]), provider="moodle")
        retired = conn.execute("SELECT retired_at IS NOT NULL FROM content_item").fetchone()[0]
    assert first.counts["content"].new == 1
    assert again.counts["content"].unchanged == 1
    assert linked == 5
    assert retired
