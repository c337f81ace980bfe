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
    #: When the worker started their current job profile (value: ISO date).
    JOB_PROFILE_START = "job_profile_start"
    #: A job profile the worker held before (key and value ``id``: the profile id; value
    #: ``start_date`` / ``end_date``: when, where HR knows).
    PREVIOUS_JOB_PROFILE = "previous_job_profile"
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
