"""Contracts for signal sources and content providers (returned by plugin hooks).

A source *pulls* batches from an external system; the core sync runner passes each batch
through intake (policy minimisation, pseudonymisation, category tags) into the store and
only then records the batch's checkpoint, so an interrupted sync resumes where it stopped
and a replay never duplicates data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from pydantic import Field

from .models import (
    Boundary,
    CalendarSignal,
    ContentItem,
    DataCategory,
    HrFact,
    JobProfile,
    LearningEvent,
    OrgUnit,
    PersonRecord,
    Skill,
    SkillPrerequisite,
    TeamMembership,
)


class SourceBatch(Boundary):
    """What a signal source hands intake in one step. Every list may be empty."""

    people: list[PersonRecord] = Field(default_factory=list)
    org_units: list[OrgUnit] = Field(default_factory=list)
    memberships: list[TeamMembership] = Field(default_factory=list)
    skills: list[Skill] = Field(default_factory=list)
    prerequisites: list[SkillPrerequisite] = Field(default_factory=list)
    job_profiles: list[JobProfile] = Field(default_factory=list)
    events: list[LearningEvent] = Field(default_factory=list)
    facts: list[HrFact] = Field(default_factory=list)
    calendar: list[CalendarSignal] = Field(default_factory=list)
    checkpoint: str | None = Field(
        default=None, description="Opaque resume point, stored once this batch is stored."
    )


class ContentBatch(Boundary):
    items: list[ContentItem] = Field(default_factory=list)
    skills: list[Skill] = Field(
        default_factory=list, description="Skills the items teach, stored before the items."
    )
    retired_external_ids: list[str] = Field(
        default_factory=list, description="Items the provider no longer offers."
    )
    checkpoint: str | None = None


class SignalSource(ABC):
    """A system learnwire learns about people from (an LMS, HR, a calendar, ...)."""

    #: Unique, lowercase; used in ``source`` columns, checkpoints and the CLI.
    name: str
    #: The data categories this source may produce; intake rejects anything else.
    categories: frozenset[DataCategory] = frozenset()

    @abstractmethod
    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[SourceBatch]:
        """Yield batches newer than ``checkpoint`` (everything when ``full``)."""


class ContentProvider(ABC):
    """A catalogue of recommendable items (LMS activities, a video library, ...)."""

    name: str
    #: True when every pull (full or not) yields every live item: after a pull that ends
    #: without error, the runner retires this provider's items the pull did not yield.
    lists_everything: bool = False

    @abstractmethod
    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[ContentBatch]:
        """Yield the provider's items; a full pull lists every live item."""
