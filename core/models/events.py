"""Learning events keep the xAPI shape (actor, verb, object, result, context)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from .base import Boundary, DataCategory, RecordMeta


class EventResult(Boundary):
    success: bool | None = None
    completion: bool | None = None
    score_scaled: float | None = Field(default=None, ge=-1, le=1)
    duration_seconds: float | None = Field(default=None, ge=0)


class LearningEvent(RecordMeta):
    """A normalised xAPI statement about one learner.

    ``statement`` is the full statement as stored (actor identifiers already pseudonymised by
    intake); the other fields are the parts the learner model reads often.
    """

    statement_id: UUID
    verb: str = Field(min_length=1, description="verb IRI")
    object_id: str = Field(min_length=1, description="activity IRI")
    result: EventResult = Field(default_factory=EventResult)
    skill_ids: list[str] = Field(default_factory=list)
    statement: dict[str, Any] = Field(default_factory=dict)


def learnwire_statement(
    *,
    statement_id: UUID,
    learner_id: UUID,
    source: str,
    data_category: DataCategory,
    occurred_at: datetime,
    verb: str,
    verb_display: str,
    object_id: str,
    skill_ids: Sequence[str] = (),
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> LearningEvent:
    """An event learnwire itself states about what a learner did through it (rated an item,
    answered a survey, opened a message, flagged a tag), ready for intake.

    The xAPI statement and the event's own fields are built from the same values, so they
    cannot disagree; ``result`` and ``context`` go into the statement as given.
    """
    statement: dict[str, Any] = {
        "id": str(statement_id),
        "verb": {"id": verb, "display": {"en-US": verb_display}},
        "object": {"objectType": "Activity", "id": object_id},
    }
    if result is not None:
        statement["result"] = result
    if context is not None:
        statement["context"] = context
    statement["timestamp"] = occurred_at.isoformat()
    return LearningEvent(
        statement_id=statement_id,
        learner_id=learner_id,
        source=source,
        data_category=data_category,
        occurred_at=occurred_at,
        verb=verb,
        object_id=object_id,
        skill_ids=list(skill_ids),
        statement=statement,
    )
