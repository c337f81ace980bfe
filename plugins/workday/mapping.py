"""From HR rows to learnwire records: one mapping for Workday and for CSV imports.

Each worker becomes a person (linked by the configured keys), ``hr_profile`` facts (job
profile, management level, organisation, manager, location, hire date), a member of their
organisation (a department) and of their manager's team; each manager becomes the manager
of their own team, inside their own manager's team. Other rows become facts about the
worker they name, each with its data category from :data:`FACT_CATEGORIES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ...core.models import (
    DataCategory,
    HrFact,
    HrFactType,
    IdentityKind,
    IdentityRef,
    JobProfile,
    OrgUnit,
    PersonRecord,
    Skill,
    SkillRequirement,
    TeamMembership,
)
from ...core.sources import SourceBatch

#: Which category each kind of HR fact belongs to: policies restrict by these.
FACT_CATEGORIES: dict[HrFactType, DataCategory] = {
    HrFactType.JOB_PROFILE: DataCategory.HR_PROFILE,
    HrFactType.MANAGEMENT_LEVEL: DataCategory.HR_PROFILE,
    HrFactType.ORGANISATION: DataCategory.HR_PROFILE,
    HrFactType.MANAGER: DataCategory.HR_PROFILE,
    HrFactType.LOCATION: DataCategory.HR_PROFILE,
    HrFactType.HIRE_DATE: DataCategory.HR_PROFILE,
    HrFactType.JOB_PROFILE_START: DataCategory.HR_PROFILE,
    HrFactType.PREVIOUS_JOB_PROFILE: DataCategory.HR_PROFILE,
    HrFactType.SKILL_LEVEL: DataCategory.HR_PROFILE,
    HrFactType.PERFORMANCE_GOAL: DataCategory.PERFORMANCE,
    HrFactType.DEVELOPMENT_ITEM: DataCategory.PERFORMANCE,
    HrFactType.CAREER_INTEREST: DataCategory.CAREER,
    HrFactType.SUCCESSION_TARGET: DataCategory.CAREER,
}

_NOT_SKILL_CHARS = re.compile(r"[^a-z0-9_.:-]+")
_LEVEL_WORDS = {
    "none": 0.0,
    "beginner": 0.2,
    "novice": 0.2,
    "basic": 0.3,
    "intermediate": 0.5,
    "proficient": 0.6,
    "advanced": 0.75,
    "expert": 0.9,
    "master": 1.0,
}
DEFAULT_TARGET_LEVEL = 0.6


class WorkerRow(BaseModel):
    """One worker as any HR source describes them. ``key`` is how other rows of the same
    source name this worker (Workday: the worker id; CSV: the employee id)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(min_length=1)
    worker_id: str | None = None
    employee_id: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    job_profile_id: str | None = None
    job_profile: str | None = None
    management_level: str | None = None
    organisation_id: str | None = None
    organisation: str | None = None
    manager: str | None = Field(default=None, description="The manager's key or employee id.")
    location: str | None = None
    hire_date: date | None = None
    #: When the worker started their current job profile, and the profile they held before
    #: it (with its start, where HR has it): what a transfer already knows, and how new
    #: they are to what their role asks (docs/learning-model.md, starting levels).
    job_profile_start_date: date | None = None
    previous_job_profile_id: str | None = None
    previous_job_profile_start_date: date | None = None


def skill_id(raw: str) -> str:
    """A skill id from an HR skill reference or name (lowercase, ``-`` for the rest)."""
    return _NOT_SKILL_CHARS.sub("-", raw.strip().lower()).strip("-._:")[:128]


def level(raw: Any, default: float | None = None) -> float | None:
    """A proficiency on learnwire's 0-1 scale from a number (0-1, or 1-5 ratings) or a
    word ("Intermediate")."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, int | float) or re.fullmatch(r"\s*\d+(\.\d+)?\s*", str(raw)):
        value = float(raw)
        return value if value <= 1 else min(1.0, value / 5)
    return _LEVEL_WORDS.get(str(raw).strip().lower(), default)


def team_id(manager_key: str) -> str:
    return f"team:{manager_key}"


def department_id(row: WorkerRow) -> str | None:
    if row.organisation_id:
        return f"org:{row.organisation_id}"
    if row.organisation:
        return f"org:{skill_id(row.organisation)}"
    return None


class PeopleMapping:
    """Turns rows of one source into a :class:`SourceBatch`.

    :param identifiers: the identity refs a worker is linked by (source-specific).
    :param subject: the one ref records about the worker name.
    """

    def __init__(
        self,
        source: str,
        *,
        identifiers: Callable[[WorkerRow], list[IdentityRef]],
        subject: Callable[[WorkerRow], IdentityRef],
        occurred_at: datetime,
    ) -> None:
        self.source = source
        self.identifiers, self.subject = identifiers, subject
        self.occurred_at = occurred_at
        self.workers: dict[str, WorkerRow] = {}
        self._by_employee: dict[str, WorkerRow] = {}

    def find(self, reference: str | None) -> WorkerRow | None:
        """The worker a row refers to, by key first, then by employee id."""
        if not reference:
            return None
        return self.workers.get(reference) or self._by_employee.get(reference)

    def workers_batch(self, rows: Iterable[WorkerRow]) -> SourceBatch:
        self.workers = {r.key: r for r in rows}
        self._by_employee = {r.employee_id: r for r in self.workers.values() if r.employee_id}
        batch = SourceBatch()
        managers: set[str] = set()
        for row in self.workers.values():
            batch.people.append(PersonRecord(source=self.source, identifiers=self.identifiers(row)))
            batch.facts.extend(self._profile_facts(row))
            dept = department_id(row)
            if dept:
                batch.memberships.append(self._member(row, dept, is_manager=False))
            manager = self.find(row.manager)
            if manager is not None and manager.key != row.key:
                managers.add(manager.key)
                batch.memberships.append(self._member(row, team_id(manager.key), False))
        units: dict[str, OrgUnit] = {}
        for row in self.workers.values():
            dept = department_id(row)
            if dept and dept not in units:
                name = row.organisation or row.organisation_id or dept
                units[dept] = OrgUnit(
                    source=self.source, external_id=dept, name=name, kind="department"
                )
        for key in sorted(managers):
            manager = self.workers[key]
            above = self.find(manager.manager)
            units[team_id(key)] = OrgUnit(
                source=self.source,
                external_id=team_id(key),
                name=f"{manager.organisation or 'Team'} ({key})"[:256],
                kind="team",
                parent_external_id=team_id(above.key) if above and above.key != key else None,
            )
            batch.memberships.append(self._member(manager, team_id(key), is_manager=True))
        batch.org_units = list(units.values())
        return batch

    def fact(self, row: WorkerRow, fact_type: HrFactType, key: str, value: Any) -> HrFact:
        return HrFact(
            subject=self.subject(row),
            source=self.source,
            data_category=FACT_CATEGORIES[fact_type],
            occurred_at=self.occurred_at,
            fact_type=fact_type,
            key=key[:256],
            value=value,
        )

    def _member(self, row: WorkerRow, unit: str, is_manager: bool) -> TeamMembership:
        return TeamMembership(
            subject=self.subject(row),
            source=self.source,
            occurred_at=self.occurred_at,
            unit_external_id=unit,
            is_manager=is_manager,
        )

    def _profile_facts(self, row: WorkerRow) -> list[HrFact]:
        facts = []
        if row.job_profile_id or row.job_profile:
            facts.append(
                self.fact(
                    row,
                    HrFactType.JOB_PROFILE,
                    "",
                    {"id": row.job_profile_id, "name": row.job_profile},
                )
            )
        if row.management_level:
            facts.append(self.fact(row, HrFactType.MANAGEMENT_LEVEL, "", row.management_level))
        dept = department_id(row)
        if dept:
            facts.append(
                self.fact(
                    row, HrFactType.ORGANISATION, "", {"unit": dept, "name": row.organisation}
                )
            )
        manager = self.find(row.manager)
        if manager is not None and manager.key != row.key:
            # The team, not the manager's identifiers: the reporting line is what matters.
            facts.append(self.fact(row, HrFactType.MANAGER, "", {"team": team_id(manager.key)}))
        if row.location:
            facts.append(self.fact(row, HrFactType.LOCATION, "", row.location))
        if row.hire_date:
            facts.append(self.fact(row, HrFactType.HIRE_DATE, "", row.hire_date.isoformat()))
        started = row.job_profile_start_date
        if started:
            facts.append(self.fact(row, HrFactType.JOB_PROFILE_START, "", started.isoformat()))
        previous = row.previous_job_profile_id
        if previous and previous != row.job_profile_id:
            held_from = row.previous_job_profile_start_date
            value = {
                "id": previous,
                "start_date": held_from.isoformat() if held_from else None,
                "end_date": started.isoformat() if started else None,
            }
            facts.append(self.fact(row, HrFactType.PREVIOUS_JOB_PROFILE, previous, value))
        return facts


def job_profile(
    profile_id: str,
    name: str,
    *,
    family: str = "",
    management_level: str = "",
    skills: Iterable[tuple[str, str, Any, Any]] = (),
    domain: str = "workday",
) -> tuple[JobProfile, list[Skill]]:
    """A job profile and the skills it requires, from ``(id, name, target, weight)``."""
    requirements: dict[str, SkillRequirement] = {}
    defined = []
    for raw_id, skill_name, target, weight in skills:
        sid = skill_id(raw_id or skill_name)
        if not sid:
            continue
        defined.append(Skill(id=sid, name=(skill_name or raw_id)[:256], domain=domain))
        requirements[sid] = SkillRequirement(
            skill_id=sid,
            target_level=level(target, DEFAULT_TARGET_LEVEL) or DEFAULT_TARGET_LEVEL,
            weight=float(weight) if weight not in (None, "") else 1.0,
        )
    profile = JobProfile(
        id=profile_id[:128],
        name=name[:256] or profile_id,
        family=family,
        management_level=management_level,
        requirements=list(requirements.values()),
    )
    return profile, defined


def email_ref(address: str) -> IdentityRef:
    return IdentityRef(kind=IdentityKind.EMAIL, value=address)


def employee_ref(employee_id: str, namespace: str) -> IdentityRef:
    return IdentityRef(kind=IdentityKind.EMPLOYEE_ID, namespace=namespace, value=employee_id)
