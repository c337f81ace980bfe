"""The governed view: one learner's data as one purpose may see it.

The governance implementation builds it (see :class:`~learnwire.core.governance.Governance`);
the learner model and the ranker read personal data only through it. A record is in the view
only if the policy lets the purpose see it; what was held back is counted per signal family
with the reason (``purpose``, ``opt_out``, ``retention``), so a ranking signal can tell "no
data" from "not allowed".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from .models import DataCategory

#: ``experiment``: an experiment's arm withholds the family (see ranker.variants).
Reason = Literal["opt_out", "purpose", "retention", "experiment"]
Status = Literal["available", "blocked", "empty"]


@dataclass(frozen=True, slots=True)
class ViewEvent:
    statement_id: UUID
    occurred_at: datetime
    source: str
    data_category: DataCategory
    verb: str
    object_id: str
    content_id: UUID | None
    skill_ids: tuple[str, ...]
    success: bool | None
    completion: bool | None
    score_scaled: float | None
    duration_seconds: float | None
    families: tuple[str, ...]
    #: ``result.response`` of a feedback statement (a survey's answer); None otherwise.
    response: str | None = None


@dataclass(frozen=True, slots=True)
class ViewFact:
    source: str
    fact_type: str
    key: str
    value: Any
    data_category: DataCategory
    occurred_at: datetime
    families: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ViewCalendar:
    source: str
    situation: str
    starts_at: datetime
    duration_minutes: float
    data_category: DataCategory
    occurred_at: datetime
    families: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ViewMembership:
    source: str
    unit_external_id: str
    is_manager: bool
    data_category: DataCategory
    occurred_at: datetime
    families: tuple[str, ...]


@dataclass(frozen=True)
class FamilyStatus:
    """One signal family in this view: ``available`` (records present), ``empty`` (allowed,
    nothing held) or ``blocked`` with the ``reason``; ``withheld`` counts held-back records
    per reason (some may be withheld by retention while the family is available)."""

    family: str
    status: Status
    reason: Reason | None
    detail: str
    records: int
    withheld: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GovernedView:
    learner_id: UUID
    purpose: str
    policy_version: int | None
    as_of: datetime
    timezone: str
    locale: str
    events: tuple[ViewEvent, ...]
    facts: tuple[ViewFact, ...]
    calendar: tuple[ViewCalendar, ...]
    memberships: tuple[ViewMembership, ...]
    families: dict[str, FamilyStatus]

    def allows(self, family: str) -> bool:
        """May a signal reading ``family`` run on this view? False when blocked or unknown."""
        status = self.families.get(family)
        return status is not None and status.status != "blocked"

    @property
    def blocked(self) -> list[FamilyStatus]:
        return [s for s in self.families.values() if s.status == "blocked"]
