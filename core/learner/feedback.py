"""Learners' ratings and stated priorities. They are stored like any other signal — ratings
as xAPI statements and priorities as facts, both in the ``feedback`` category — through
intake, so consent, retention and erasure apply to them exactly as to everything else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import psycopg

from ..errors import NotFound, ValidationFailed
from ..intake import Intake, IntakeReport
from ..models import DataCategory, HrFact, HrFactType, learnwire_statement
from ..sources import SourceBatch

Conn = psycopg.Connection[Any]
Verdict = Literal["useful", "not_useful", "dismiss", "more_like_this"]
SOURCE = "learnwire"
VERB_BASE = "https://learnwire.dev/xapi/verbs/"
VERDICTS: tuple[str, ...] = ("useful", "not_useful", "dismiss", "more_like_this")
#: Statement ids are derived, so rating the same item twice in the same second is one event.
FEEDBACK_NAMESPACE = uuid.UUID("0c7a8a4e-2f3e-4a8e-b7d2-9a5a1c0f3e11")


def verdict_of(verb: str) -> str | None:
    if verb.startswith(VERB_BASE):
        word = verb[len(VERB_BASE) :].replace("-", "_")
        return word if word in VERDICTS else None
    return None


def rate(
    conn: Conn,
    intake: Intake,
    *,
    learner_id: UUID,
    content_id: UUID,
    verdict: str,
    at: datetime | None = None,
) -> IntakeReport:
    """Record a learner's verdict on an item; the next ranking takes it into account."""
    _require_learner(conn, learner_id)
    if verdict not in VERDICTS:
        raise ValidationFailed(
            f"verdict must be one of {', '.join(VERDICTS)}, got '{verdict}'", field="verdict"
        )
    row = conn.execute(
        "SELECT coalesce(activity_id, launch_url), title FROM content_item WHERE id = %s",
        (content_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no content item {content_id}")
    when = (at or datetime.now(UTC)).replace(microsecond=0)
    verb = VERB_BASE + verdict.replace("_", "-")
    statement_id = uuid.uuid5(FEEDBACK_NAMESPACE, f"{learner_id}|{content_id}|{verdict}|{when}")
    event = learnwire_statement(
        statement_id=statement_id,
        learner_id=learner_id,
        source=SOURCE,
        data_category=DataCategory.FEEDBACK,
        occurred_at=when,
        verb=verb,
        verb_display=verdict.replace("_", " "),
        object_id=row[0],
    )
    return intake.store(conn, SourceBatch(events=[event]), source=SOURCE)


def state_priorities(
    conn: Conn,
    intake: Intake,
    *,
    learner_id: UUID,
    priorities: dict[str, float],
    at: datetime | None = None,
) -> IntakeReport:
    """Replace the learner's stated priorities (skill id -> weight 0..1; 0 clears one)."""
    _require_learner(conn, learner_id)
    known = {
        r[0] for r in conn.execute("SELECT id FROM skill WHERE id = ANY(%s)", (list(priorities),))
    }
    for skill, weight in priorities.items():
        if skill not in known:
            raise ValidationFailed(f"unknown skill '{skill}'", field=f"priorities.{skill}")
        if not 0 <= weight <= 1:
            raise ValidationFailed(
                f"weight must be between 0 and 1, got {weight}", field=f"priorities.{skill}"
            )
    when = at or datetime.now(UTC)
    facts = [
        HrFact(
            learner_id=learner_id,
            source=SOURCE,
            data_category=DataCategory.FEEDBACK,
            occurred_at=when,
            fact_type=HrFactType.STATED_PRIORITY,
            key=skill,
            value=float(weight),
        )
        for skill, weight in priorities.items()
    ]
    return intake.store(conn, SourceBatch(facts=facts), source=SOURCE)


def _require_learner(conn: Conn, learner_id: UUID) -> None:
    """A session or launch can outlive its learner (erased since): refuse, and never bring
    the person back by storing their feedback."""
    if conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone() is None:
        raise NotFound(
            f"no learner {learner_id}: their data was erased or never existed, so the "
            "feedback was not stored. Open the activity from your LMS again to sign in."
        )
