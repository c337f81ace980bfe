"""Organisation structure: departments and teams, and who belongs to which."""

from __future__ import annotations

from pydantic import Field

from .base import Boundary, DataCategory, RecordMeta


class OrgUnit(Boundary):
    source: str = Field(min_length=1)
    external_id: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=256)
    kind: str = Field(default="team", pattern=r"^(company|department|team)$")
    parent_external_id: str | None = None


class TeamMembership(RecordMeta):
    """A learner's place in a team; ``is_manager`` marks the team's manager."""

    data_category: DataCategory = DataCategory.HR_PROFILE
    unit_external_id: str = Field(min_length=1, max_length=256)
    is_manager: bool = False
