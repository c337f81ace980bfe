"""The delivery tests' small organisation (Ana, Ben, Chris and a 15-item catalogue) serves
the survey tests too; helpers to complete items and to build a team."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from learnwire.core.models import (
    DataCategory,
    IdentityRef,
    LearningEvent,
    PersonRecord,
    TeamMembership,
)
from learnwire.core.sources import SourceBatch

from ..delivery.conftest import make_runtime, org  # noqa: F401  (fixtures used here)

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def complete(runtime: Any, learner: uuid.UUID, n: int, at: datetime) -> None:
    """``learner`` completed catalogue item ``n`` (its activity id) at ``at``."""
    event = LearningEvent(
        statement_id=uuid.uuid5(uuid.NAMESPACE_URL, f"done|{learner}|{n}|{at.isoformat()}"),
        learner_id=learner,
        source="lms",
        data_category=DataCategory.BEHAVIOURAL,
        occurred_at=at,
        verb=COMPLETED,
        object_id=f"https://lms.example/activity/{n}",
        result={"completion": True},
    )
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(events=[event]), source="lms")


def content_id(runtime: Any, n: int) -> uuid.UUID:
    with runtime.db.connection() as conn:
        row = conn.execute(
            "SELECT id FROM content_item WHERE activity_id = %s",
            (f"https://lms.example/activity/{n}",),
        ).fetchone()
    return row[0]


def team(runtime: Any, unit: str, manager: uuid.UUID, members: list[uuid.UUID], at: datetime):
    """A team ``hr:unit`` managed by ``manager``; returns its id."""
    rows = [
        TeamMembership(
            learner_id=manager,
            source="hr",
            data_category="hr_profile",
            occurred_at=at,
            unit_external_id=unit,
            is_manager=True,
        )
    ]
    rows += [
        TeamMembership(learner_id=m, source="hr", data_category="hr_profile", occurred_at=at,
                       unit_external_id=unit)
        for m in members
    ]  # fmt: skip
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(memberships=rows), source="hr")
    return f"hr:{unit}"


def people(runtime: Any, prefix: str, n: int) -> list[uuid.UUID]:
    """``n`` more people known to HR; their pseudonymous ids."""
    refs = [IdentityRef(kind="hr", value=f"{prefix}{i}") for i in range(n)]
    intake = runtime.intake()
    with runtime.db.connection() as conn:
        intake.store(
            conn,
            SourceBatch(people=[PersonRecord(source="hr", identifiers=[r]) for r in refs]),
            source="hr",
        )
        return intake.resolver.resolve_subjects(conn, refs, source="hr")
