"""The sample organisation as the systems a real company would connect.

Three signal sources and one content provider, each loaded by :mod:`learnwire.core.sync`
through intake exactly like a plugin's: ``demo-hr`` (the HR system: skills framework, job
profiles, org chart, people and their HR facts), ``demo-library`` (the learning library's
catalogue), ``demo-lrs`` (the learning record store's xAPI statements) and
``demo-calendar`` (upcoming situations). People are sent in batches; each batch's
checkpoint records the generation parameters and the next person, so an interrupted load
resumes where it stopped and a different seed or size is refused instead of mixed in.
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ...core.errors import Conflict
from ...core.models import (
    CalendarSignal,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    LearningEvent,
    PersonRecord,
    TeamMembership,
)
from ...core.models.events import EventResult
from ...core.sources import ContentBatch, ContentProvider, SignalSource, SourceBatch
from .catalogue import PROVIDER, library
from .history import learner_history
from .learners import LatentProfile, employee_id, latent_profile
from .organisation import COMPANY_ID, HEAD_ROLE, Organisation
from .roles import OFFICES, PROFILES
from .situations import upcoming_situations
from .statements import LMS_HOME_PAGE, email
from .taxonomy import SKILLS, prerequisite_models, skill_models

HR_SOURCE, LRS_SOURCE, CALENDAR_SOURCE = "demo-hr", "demo-lrs", "demo-calendar"
#: The day the sample history ends and its calendar starts unless another is given. Fixed,
#: not the clock, so a seed gives the same organisation on whatever day it is loaded.
DEFAULT_TODAY = date(2026, 11, 20)
DEFAULT_BATCH = 200
_ASSESSMENT_VERBS = frozenset({"answered", "scored", "passed", "failed"})
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


@dataclass(frozen=True)
class DemoParameters:
    """What a load is generated from; recorded in every checkpoint."""

    seed: int
    learners: int
    today: date

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "learners": self.learners, "today": self.today.isoformat()}

    @property
    def as_of(self) -> datetime:
        """When the HR and calendar snapshots were taken: the start of ``today`` (UTC)."""
        return datetime.combine(self.today, time(0, 0), tzinfo=UTC)


class DemoMismatch(Conflict):
    """The database already holds a sample organisation generated differently."""


def identities(person: int) -> dict[str, IdentityRef]:
    """The identifiers each system knows the person by."""
    emp = employee_id(person)
    return {
        "employee_id": IdentityRef(kind="employee_id", namespace=COMPANY_ID, value=emp),
        "email": IdentityRef(kind="email", value=email(emp)),
        "account": IdentityRef(kind="account", namespace=LMS_HOME_PAGE, value=emp),
        "mbox": IdentityRef(kind="mbox", value=f"mailto:{email(emp)}"),
    }


def parse_checkpoint(checkpoint: str | None, params: DemoParameters, source: str) -> int:
    """The next person to send, from a checkpoint this module wrote; raises
    :class:`DemoMismatch` when the checkpoint belongs to different parameters."""
    if not checkpoint:
        return 0
    try:
        stored = json.loads(checkpoint)
        stored_params = {k: stored[k] for k in ("seed", "learners", "today")}
        position = int(stored["next"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DemoMismatch(
            f"source '{source}' has a checkpoint learnwire's demo did not write ({checkpoint!r})"
        ) from exc
    if stored_params != params.as_dict():
        raise DemoMismatch(
            "this database already holds the sample organisation generated with "
            f"--seed {stored_params['seed']} --learners {stored_params['learners']} "
            f"--today {stored_params['today']}; rerun with those options, or use an empty "
            "database (another LEARNWIRE_DATA_DIR for the embedded one, or another "
            "LEARNWIRE_DATABASE_URL)"
        )
    return position


class _PeopleSource(SignalSource):
    """Sends people in batches of ``batch_size``; subclasses say what each person yields."""

    def __init__(
        self, org: Organisation, params: DemoParameters, batch_size: int = DEFAULT_BATCH
    ) -> None:
        self.org = org
        self.params = params
        self.batch_size = batch_size
        #: People sent so far (read by progress reporting).
        self.position = 0

    def remaining(self, checkpoint: str | None) -> int:
        return self.org.size - parse_checkpoint(checkpoint, self.params, self.name)

    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[SourceBatch]:
        start = 0 if full else parse_checkpoint(checkpoint, self.params, self.name)
        self.position = start
        for first in range(start, self.org.size, self.batch_size):
            last = min(first + self.batch_size, self.org.size)
            batch = self.batch(first, last)
            batch.checkpoint = json.dumps({**self.params.as_dict(), "next": last})
            self.position = last
            yield batch

    @abstractmethod
    def batch(self, first: int, last: int) -> SourceBatch:
        """What people ``first`` to ``last - 1`` contribute from this system."""


class DemoHrSource(_PeopleSource):
    """The HR system: the skills framework and org chart first, then people and facts."""

    name = HR_SOURCE
    categories = frozenset({DataCategory.HR_PROFILE, DataCategory.CAREER})

    def batch(self, first: int, last: int) -> SourceBatch:
        out = SourceBatch()
        if first == 0:
            out.skills = skill_models()
            out.prerequisites = prerequisite_models()
            out.job_profiles = [p.model() for p in PROFILES]
            out.org_units = self.org.org_units(self.name)
        for person in range(first, last):
            self._person(out, latent_profile(self.org, person))
        return out

    def _person(self, out: SourceBatch, profile: LatentProfile) -> None:
        ids = identities(profile.person)
        at = self.params.as_of
        hired = self.params.today - timedelta(days=profile.tenure_days)
        spec = PROFILES[profile.profile]
        out.people.append(
            PersonRecord(
                source=self.name,
                identifiers=[ids["employee_id"], ids["email"], ids["account"]],
                timezone=profile.timezone,
                locale="en",
            )
        )
        subject = ids["employee_id"]
        is_manager = spec.is_manager or int(self.org.role_of[profile.person]) == HEAD_ROLE
        out.memberships.append(
            TeamMembership(
                subject=subject,
                source=self.name,
                occurred_at=at,
                unit_external_id=self.org.unit_of(profile.person),
                is_manager=is_manager,
            )
        )

        def fact(
            kind: HrFactType,
            value: Any,
            key: str = "",
            category: DataCategory = DataCategory.HR_PROFILE,
        ) -> None:
            out.facts.append(
                HrFact(
                    subject=subject,
                    source=self.name,
                    data_category=category,
                    occurred_at=at,
                    fact_type=kind,
                    key=key,
                    value=value,
                )
            )

        fact(HrFactType.JOB_PROFILE, spec.id)
        fact(HrFactType.MANAGEMENT_LEVEL, spec.management_level)
        fact(HrFactType.LOCATION, OFFICES[profile.office][0])
        fact(HrFactType.HIRE_DATE, hired.isoformat())
        for goal in profile.goals:
            value = {
                "skill_id": SKILLS[goal.skill].id,
                "target_level": goal.target,
                "reason": goal.reason,
            }
            fact(HrFactType.STATED_GOAL, value, SKILLS[goal.skill].id, DataCategory.CAREER)
        if profile.career_interest is not None:
            interest = PROFILES[profile.career_interest].id
            fact(HrFactType.CAREER_INTEREST, interest, category=DataCategory.CAREER)


def _seconds(duration: str | None) -> float | None:
    match = _DURATION.match(duration or "")
    if not match:
        return None
    h, m, s = match.groups()
    return int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)


def event_from_statement(
    statement: dict[str, Any], source: str, subjects: dict[str, IdentityRef] | None = None
) -> LearningEvent:
    """The learning event intake stores for one xAPI statement.

    The actor becomes the event's ``subject`` and is left out of the stored statement (as
    the Moodle source does): the learner column says who, pseudonymously, and a platform's
    account name or e-mail address in the stored JSON would undo that. ``subjects`` caches
    the identifier objects across calls.
    """
    agent = statement["actor"]
    key = agent.get("mbox") or "{homePage}\x1f{name}".format(**agent["account"])
    subject = subjects.get(key) if subjects is not None else None
    if subject is None:
        if "mbox" in agent:
            subject = IdentityRef(kind="mbox", value=agent["mbox"])
        else:
            account = agent["account"]
            subject = IdentityRef(
                kind="account", namespace=account["homePage"], value=account["name"]
            )
        if subjects is not None:
            subjects[key] = subject
    verb = statement["verb"]["id"]
    result = statement.get("result", {})
    return LearningEvent(
        statement_id=statement["id"],
        subject=subject,
        source=source,
        data_category=(
            DataCategory.ASSESSMENT
            if verb.rsplit("/", 1)[-1] in _ASSESSMENT_VERBS
            else DataCategory.BEHAVIOURAL
        ),
        occurred_at=datetime.fromisoformat(statement["timestamp"]),
        verb=verb,
        object_id=statement["object"]["id"],
        result=EventResult(
            success=result.get("success"),
            completion=result.get("completion"),
            score_scaled=result.get("score", {}).get("scaled"),
            duration_seconds=_seconds(result.get("duration")),
        ),
        statement={k: v for k, v in statement.items() if k != "actor"},
    )


class DemoLrsSource(_PeopleSource):
    """The learning record store: each person's ninety days of xAPI statements."""

    name = LRS_SOURCE
    categories = frozenset({DataCategory.BEHAVIOURAL, DataCategory.ASSESSMENT})

    def batch(self, first: int, last: int) -> SourceBatch:
        out = SourceBatch()
        for person in range(first, last):
            profile = latent_profile(self.org, person)
            history = learner_history(self.org.seed, profile, self.params.today)
            subjects: dict[str, IdentityRef] = {}  # one identifier object per person and form
            out.events.extend(
                event_from_statement(s, self.name, subjects) for s in history.statements
            )
        return out


class DemoCalendarSource(_PeopleSource):
    """The calendar: each person's situations over the next fourteen days."""

    name = CALENDAR_SOURCE
    categories = frozenset({DataCategory.CALENDAR})

    def batch(self, first: int, last: int) -> SourceBatch:
        out = SourceBatch()
        for person in range(first, last):
            profile = latent_profile(self.org, person)
            subject = identities(person)["email"]
            out.calendar.extend(
                CalendarSignal(
                    subject=subject,
                    source=self.name,
                    occurred_at=self.params.as_of,
                    situation=s.situation,
                    starts_at=s.starts_at,
                    duration_minutes=s.duration_minutes,
                    event_key=s.event_key,
                )
                for s in upcoming_situations(self.org, profile, self.params.today)
            )
        return out


class DemoCatalogue(ContentProvider):
    """The learning library. Its checkpoint is the library's size: a complete earlier load
    is not sent again unless a full pull is asked for."""

    name = PROVIDER

    def __init__(self, batch_size: int = 100) -> None:
        self.batch_size = batch_size
        self.position = 0

    @property
    def done_marker(self) -> str:
        return json.dumps({"items": len(library())})

    def remaining(self, checkpoint: str | None) -> int:
        return 0 if checkpoint == self.done_marker else len(library())

    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[ContentBatch]:
        if not full and checkpoint == self.done_marker:
            return
        items = [entry.item for entry in library()]
        for first in range(0, len(items), self.batch_size):
            last = min(first + self.batch_size, len(items))
            done = last == len(items)
            self.position = last
            yield ContentBatch(
                items=items[first:last],
                # The skills the items teach, so the library loads before the HR source too
                # (``learnwire sync`` runs content providers first).
                skills=skill_models() if first == 0 else [],
                checkpoint=self.done_marker if done else None,
            )
