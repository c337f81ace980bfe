"""Learning content a provider offers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, HttpUrl

from .base import Boundary
from .skills import SKILL_ID


class ContentFormat(StrEnum):
    VIDEO = "video"
    ARTICLE = "article"
    EXERCISE = "exercise"
    SIMULATION = "simulation"
    PODCAST = "podcast"
    COURSE = "course"
    ASSESSMENT = "assessment"
    DOCUMENT = "document"
    OTHER = "other"


class ContentSkill(Boundary):
    skill_id: str = Field(pattern=SKILL_ID)
    weight: float = Field(default=1.0, gt=0, le=1)


class ContentItem(Boundary):
    """One recommendable item, keyed by ``(provider, external_id)``."""

    provider: str = Field(min_length=1, max_length=128)
    external_id: str = Field(min_length=1, max_length=512)
    title: str = Field(min_length=1, max_length=512)
    summary: str = Field(default="", max_length=8000)
    format: ContentFormat
    duration_minutes: float = Field(gt=0, le=24 * 60)
    difficulty: float = Field(default=0.5, ge=0, le=1)
    language: str = Field(default="en", min_length=2, max_length=16)
    launch_url: HttpUrl
    activity_id: str | None = Field(
        default=None, description="xAPI activity IRI that statements about this item use."
    )
    skills: list[ContentSkill] = Field(default_factory=list)
    retired_at: datetime | None = None
