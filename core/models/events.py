"""Learning events keep the xAPI shape (actor, verb, object, result, context)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from .base import Boundary, RecordMeta


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
