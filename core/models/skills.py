"""Skill taxonomy: skills, prerequisites, and target levels per job profile."""

from __future__ import annotations

from pydantic import Field

from .base import Boundary

SKILL_ID = r"^[a-z0-9][a-z0-9_.:-]*$"


class Skill(Boundary):
    id: str = Field(pattern=SKILL_ID, max_length=128)
    name: str = Field(min_length=1, max_length=256)
    domain: str = Field(min_length=1, max_length=64)
    description: str = ""


class SkillPrerequisite(Boundary):
    """``skill_id`` builds on ``requires_skill_id`` mastered to at least ``min_level``."""

    skill_id: str = Field(pattern=SKILL_ID)
    requires_skill_id: str = Field(pattern=SKILL_ID)
    min_level: float = Field(default=0.6, ge=0, le=1)


class SkillRequirement(Boundary):
    skill_id: str = Field(pattern=SKILL_ID)
    target_level: float = Field(ge=0, le=1)
    weight: float = Field(default=1.0, gt=0)


class JobProfile(Boundary):
    id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=256)
    family: str = ""
    management_level: str = ""
    requirements: list[SkillRequirement] = Field(default_factory=list)
