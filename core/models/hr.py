"""Facts HR systems know about a worker, each tagged with its data category."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from .base import RecordMeta


class HrFactType(StrEnum):
    JOB_PROFILE = "job_profile"
    MANAGEMENT_LEVEL = "management_level"
    ORGANISATION = "organisation"
    MANAGER = "manager"
    LOCATION = "location"
    HIRE_DATE = "hire_date"
    SKILL_LEVEL = "skill_level"
    PERFORMANCE_GOAL = "performance_goal"
    DEVELOPMENT_ITEM = "development_item"
    CAREER_INTEREST = "career_interest"
    SUCCESSION_TARGET = "succession_target"
    STATED_GOAL = "stated_goal"
    #: What a learner says matters to them now (value: weight 0..1; key: skill id).
    STATED_PRIORITY = "stated_priority"


class HrFact(RecordMeta):
    """One fact, keyed by ``(learner, source, fact_type, key)`` so a resync replaces it."""

    fact_type: HrFactType
    key: str = Field(default="", max_length=256)
    value: Any
