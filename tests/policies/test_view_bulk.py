"""Bulk governed views are exactly the per-learner views, opt-outs and purposes included."""

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
    TeamMembership,
)
from learnwire.core.sources import SourceBatch
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out
from learnwire.policies.engine import engine_for
from learnwire.policies.view import governed_view
from learnwire.policies.view_bulk import governed_views

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _people(runtime, db, n: int) -> list[uuid.UUID]:
    intake = runtime.intake()
    refs = [IdentityRef(kind="demo", value=f"p{i}") for i in range(n)]
    batch = SourceBatch(
        events=[
            LearningEvent(
                statement_id=uuid.uuid4(),
                subject=refs[i % n],
                source="demo",
                data_category=DataCategory.ASSESSMENT if i % 3 else DataCategory.BEHAVIOURAL,
                occurred_at=NOW - timedelta(days=i % 40),
                verb="http://adlnet.gov/expapi/verbs/passed",
                object_id=f"https://lms.example/a/{i % 7}",
                result={"success": bool(i % 2)},
            )
            for i in range(n * 6)
        ],
        facts=[
            HrFact(
                subject=r,
                source="demo",
                data_category=DataCategory.PERFORMANCE,
                occurred_at=NOW,
                fact_type=HrFactType.PERFORMANCE_GOAL,
                key="g",
                value="x",
            )
            for r in refs
        ],
        calendar=[
            CalendarSignal(
                subject=r,
                source="demo",
                occurred_at=NOW,
                situation="presentation",
                starts_at=NOW + timedelta(days=2),
                duration_minutes=30,
                event_key=f"key-{k:08d}",
            )
            for k, r in enumerate(refs)
        ],
        memberships=[
            TeamMembership(subject=r, source="demo", occurred_at=NOW, unit_external_id="t1")
            for r in refs
        ],
    )
    with db.connection() as conn:
        intake.store(conn, batch, source="demo")
        return intake.resolver.resolve_subjects(conn, refs, source="demo")


def test_view_bulk_equals_single_views(runtime, db):
    learners = _people(runtime, db, 8)
    engine = engine_for(runtime)
    with db.connection() as conn:
        set_opt_out(conn, engine, learners[0], "calendar", by=Subject.learner(learners[0]))
        set_opt_out(
            conn, engine, learners[1], "assessment_results", by=Subject.learner(learners[1])
        )
    with db.connection() as conn:
        bulk = governed_views(
            conn, engine, [*learners, uuid.uuid4()], "development_recommendation", as_of=NOW
        )
        single = {
            lid: governed_view(
                conn, engine, lid, "development_recommendation", Subject.learner(lid), as_of=NOW
            )
            for lid in learners
        }
    assert set(bulk) == set(learners), "unknown ids are left out"
    for lid in learners:
        assert bulk[lid] == single[lid]
    assert bulk[learners[0]].calendar == ()
    assert bulk[learners[0]].families["calendar"].status == "blocked"
    assert all(e.data_category != "assessment" for e in bulk[learners[1]].events)
    assert any(e.data_category == "assessment" for e in bulk[learners[2]].events)
