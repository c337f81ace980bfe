"""A recommendation and the per-signal contributions that produced it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from .base import Boundary


class SignalContribution(Boundary):
    """How much one named ranking signal moved an item's score.

    ``contribution = weight * value``; ``detail`` is a short, viewer-safe phrase the
    explanation may use.
    """

    signal: str
    weight: float
    value: float
    contribution: float
    detail: str = ""


class Recommendation(Boundary):
    learner_id: UUID
    content_id: UUID
    rank: int = Field(ge=1)
    score: float
    contributions: list[SignalContribution] = Field(default_factory=list)
    explanation: str = ""
    stretch: bool = False
    stretch_reason: str | None = None
    generated_at: datetime
