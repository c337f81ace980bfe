"""Workday as a signal source: workers from the REST API (paged) completed by the workers
report, job profiles with their required skills, and the talent reports (worker skills,
goals, development items, career interests, succession) where the tenant exposes them.

Column names are the reports' XML aliases; :data:`DEFAULT_COLUMNS` lists the defaults and the
``columns`` setting overrides any of them. HR data is a snapshot: every pull reads it all
and intake writes only what changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from ...core.models import DataCategory, HrFactType, IdentityKind, IdentityRef, JobProfile, Skill
from ...core.sources import SignalSource, SourceBatch
from .client import WorkdayClient
from .mapping import PeopleMapping, WorkerRow, email_ref, employee_ref, job_profile, level
from .mapping import skill_id as to_skill_id
from .settings import WorkdaySettings

log = logging.getLogger(__name__)

DEFAULT_COLUMNS: dict[str, str] = {
    "worker_id": "Worker_ID",
    "employee_id": "Employee_ID",
    "email": "Email",
    "job_profile_id": "Job_Profile_ID",
    "job_profile": "Job_Profile",
    "job_family": "Job_Family",
    "management_level": "Management_Level",
    "organisation_id": "Organization_ID",
    "organisation": "Organization",
    "manager": "Manager_ID",
    "location": "Location",
    "hire_date": "Hire_Date",
    "job_profile_start_date": "Job_Profile_Start_Date",
    "previous_job_profile_id": "Previous_Job_Profile_ID",
    "previous_job_profile_start_date": "Previous_Job_Profile_Start_Date",
    "skills": "Skills",
    "skill_id": "Skill_ID",
    "skill": "Skill",
    "target_level": "Target_Level",
    "weight": "Weight",
    "level": "Level",
    "goal_id": "Goal_ID",
    "goal": "Goal",
    "status": "Status",
    "due_date": "Due_Date",
    "development_item_id": "Development_Item_ID",
    "development_item": "Development_Item",
    "position_id": "Position_ID",
    "position": "Position",
    "readiness": "Readiness",
    "target_date": "Target_Date",
}


#: Report columns holding dates: Workday writes them with a UTC offset (2015-05-04-08:00).
_DATES = frozenset({"hire_date", "job_profile_start_date", "previous_job_profile_start_date"})


def text(value: Any) -> str:
    """A report cell as text: references may arrive as objects or single-item lists."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("Descriptor") or value.get("descriptor") or value.get("ID") or ""
    return "" if value is None else str(value).strip()


class WorkdaySignalSource(SignalSource):
    name = "workday"
    categories = frozenset({DataCategory.HR_PROFILE, DataCategory.PERFORMANCE, DataCategory.CAREER})

    def __init__(
        self,
        settings: WorkdaySettings,
        client: WorkdayClient,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings, self.client, self.clock = settings, client, clock
        self.columns = {**DEFAULT_COLUMNS, **settings.columns}
        self.tenant = settings.tenant or ""

    def col(self, row: dict[str, Any], name: str) -> str:
        return text(row.get(self.columns[name]))

    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[SourceBatch]:
        now = self.clock()
        profiles, skills = self._job_profiles()
        yield SourceBatch(skills=skills, job_profiles=profiles)
        mapping = PeopleMapping(
            self.name, identifiers=self._identifiers, subject=self._subject, occurred_at=now
        )
        batch = mapping.workers_batch(self._workers())
        # Same batch as the people: records of a person whose identifiers conflict are then
        # refused by intake instead of landing on a learner made up for them.
        batch.facts.extend(self._talent_facts(mapping))
        yield batch
        yield SourceBatch(checkpoint=now.isoformat())

    # -- identity ------------------------------------------------------------------------

    def _subject(self, row: WorkerRow) -> IdentityRef:
        return IdentityRef(kind=IdentityKind.WORKDAY, namespace=self.tenant, value=row.key)

    def _identifiers(self, row: WorkerRow) -> list[IdentityRef]:
        refs = [self._subject(row)]
        if "email" in self.settings.link_keys and row.email:
            refs.append(email_ref(row.email))
        if "employee_id" in self.settings.link_keys and row.employee_id:
            refs.append(employee_ref(row.employee_id, self.settings.employee_id_namespace))
        return refs

    # -- workers -------------------------------------------------------------------------

    def _workers(self) -> list[WorkerRow]:
        rest = list(self.client.rest("workers", page_size=self.settings.page_size))
        path = self.settings.reports.workers
        report = self.client.report(path) if path else []
        by_wid = {self.col(r, "worker_id"): r for r in report if self.col(r, "worker_id")}
        by_emp = {self.col(r, "employee_id"): r for r in report if self.col(r, "employee_id")}
        rows: dict[str, WorkerRow] = {}
        used: set[int] = set()
        for worker in rest:
            wid, emp = str(worker["id"]), text(worker.get("workerId"))
            detail = by_wid.get(wid) or by_emp.get(emp) or {}
            used.add(id(detail))
            org = worker.get("primarySupervisoryOrganization") or {}
            base = {
                "key": wid,
                "worker_id": wid,
                "employee_id": emp or None,
                "email": text(worker.get("primaryWorkEmail")) or None,
                "organisation_id": text(org.get("id")) or None,
                "organisation": text(org.get("descriptor")) or None,
            }
            row = self._worker_row(base, detail)
            if row is not None:
                rows[row.key] = row
        for detail in report:
            if id(detail) in used:
                continue
            key = self.col(detail, "worker_id") or self.col(detail, "employee_id")
            row = self._worker_row({"key": key}, detail) if key else None
            if row is not None:
                rows.setdefault(row.key, row)
        return list(rows.values())

    def _worker_row(self, base: dict[str, Any], detail: dict[str, Any]) -> WorkerRow | None:
        values = dict(base)
        for name in (
            "employee_id",
            "email",
            "job_profile_id",
            "job_profile",
            "management_level",
            "organisation_id",
            "organisation",
            "manager",
            "location",
            "hire_date",
            "job_profile_start_date",
            "previous_job_profile_id",
            "previous_job_profile_start_date",
        ):
            cell = self.col(detail, name) if detail else ""
            if cell and not values.get(name):
                values[name] = cell[:10] if name in _DATES else cell
        values.setdefault("worker_id", self.col(detail, "worker_id") or None)
        try:
            return WorkerRow.model_validate(values)
        except ValidationError as exc:
            log.warning("workday: skipping worker %s: %s", base.get("key"), exc.errors()[0]["msg"])
            return None

    # -- job profiles --------------------------------------------------------------------

    def _job_profiles(self) -> tuple[list[JobProfile], list[Skill]]:
        path = self.settings.reports.job_profiles
        if not path:
            return [], []
        profiles, skills = [], {}
        for row in self.client.report(path):
            pid = self.col(row, "job_profile_id") or self.col(row, "job_profile")
            if not pid:
                continue
            profile, defined = job_profile(
                pid,
                self.col(row, "job_profile") or pid,
                family=self.col(row, "job_family"),
                management_level=self.col(row, "management_level"),
                skills=self._skill_cells(row.get(self.columns["skills"])),
                domain=self.settings.skill_domain,
            )
            profiles.append(profile)
            skills.update({s.id: s for s in defined})
        return profiles, list(skills.values())

    def _skill_cells(self, cell: Any) -> list[tuple[str, str, Any, Any]]:
        """Skills as a subreport group (list of objects) or as text ``"A; B"``."""
        if isinstance(cell, list):
            return [
                (
                    self.col(s, "skill_id"),
                    self.col(s, "skill"),
                    s.get(self.columns["target_level"]),
                    s.get(self.columns["weight"]),
                )
                for s in cell
                if isinstance(s, dict)
            ]
        return [("", part.strip(), None, None) for part in text(cell).split(";") if part.strip()]

    # -- talent reports ------------------------------------------------------------------

    def _talent_facts(self, mapping: PeopleMapping) -> list[Any]:
        reports = self.settings.reports
        facts = []
        specs = (
            (reports.worker_skills, HrFactType.SKILL_LEVEL, self._skill_fact),
            (reports.goals, HrFactType.PERFORMANCE_GOAL, self._goal_fact),
            (reports.development_items, HrFactType.DEVELOPMENT_ITEM, self._development_fact),
            (reports.career_interests, HrFactType.CAREER_INTEREST, self._interest_fact),
            (reports.succession, HrFactType.SUCCESSION_TARGET, self._succession_fact),
        )
        for path, fact_type, shape in specs:
            if not path:
                continue
            for row in self.client.report(path):
                worker = mapping.find(self.col(row, "worker_id")) or mapping.find(
                    self.col(row, "employee_id")
                )
                keyed = shape(row)
                if worker is None or keyed is None:
                    continue  # not a synced worker, or a row without its key
                facts.append(mapping.fact(worker, fact_type, *keyed))
        return facts

    def _skill_fact(self, row: dict[str, Any]) -> tuple[str, Any] | None:
        sid = to_skill_id(self.col(row, "skill_id") or self.col(row, "skill"))
        raw = row.get(self.columns["level"])
        return (sid, {"level": level(text(raw)), "raw": text(raw)}) if sid else None

    def _goal_fact(self, row: dict[str, Any]) -> tuple[str, Any] | None:
        key = self.col(row, "goal_id") or self.col(row, "goal")
        value = {
            "name": self.col(row, "goal"),
            "status": self.col(row, "status"),
            "due": self.col(row, "due_date")[:10] or None,
        }
        return (key, value) if key else None

    def _development_fact(self, row: dict[str, Any]) -> tuple[str, Any] | None:
        key = self.col(row, "development_item_id") or self.col(row, "development_item")
        skills = sorted(
            {
                to_skill_id(i or n)
                for i, n, _, _ in self._skill_cells(row.get(self.columns["skills"]))
            }
            - {""}
        )
        value = {
            "name": self.col(row, "development_item"),
            "status": self.col(row, "status"),
            "skills": skills,
        }
        return (key, value) if key else None

    def _interest_fact(self, row: dict[str, Any]) -> tuple[str, Any] | None:
        key = self.col(row, "job_profile_id") or self.col(row, "job_profile")
        return (key, {"job_profile": self.col(row, "job_profile")}) if key else None

    def _succession_fact(self, row: dict[str, Any]) -> tuple[str, Any] | None:
        key = self.col(row, "position_id") or self.col(row, "position")
        value = {"position": self.col(row, "position"), "readiness": self.col(row, "readiness")}
        # The target role and the date the move is planned for, when the report has them:
        # the 90-day forecast reads them (docs/forecast.md).
        for name in ("job_profile_id", "target_date"):
            if cell := self.col(row, name):
                value[name] = cell
        return (key, value) if key else None
