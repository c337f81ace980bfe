"""Upcoming work situations: what the calendar plugin would report for each person.

Only the situation, its start and its duration exist here, as in the calendar plugin's
output: no titles, attendees or descriptions. One-to-ones are shared: a manager's calendar
holds the same slot as each report's, because the slot is drawn from the report's own seed.
Other situations arrive at rates that depend on the role (account executives negotiate,
recruiters interview, department heads review strategy) and on how busy the person's
calendar is. Situation names are those of the calendar plugin's default vocabulary.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from .learners import LatentProfile
from .organisation import Organisation
from .roles import OFFICES, PROFILES

CALENDAR_DAYS = 14

SITUATIONS = (
    "one_to_one",
    "feedback_conversation",
    "performance_review",
    "presentation",
    "planning_review",
    "interview",
    "negotiation",
    "onboarding_new_report",
    "client_meeting",
    "workshop",
    "mentoring",
    "strategy_review",
    "conflict",
)
_DURATIONS = {
    "feedback_conversation": (20, 30, 45),
    "performance_review": (45, 60),
    "presentation": (20, 30, 45, 60),
    "planning_review": (45, 60, 90),
    "interview": (45, 60),
    "negotiation": (30, 60, 90),
    "onboarding_new_report": (30, 60),
    "client_meeting": (30, 45, 60),
    "workshop": (90, 120),
    "mentoring": (30, 45),
    "strategy_review": (60, 90),
    "conflict": (30, 45),
}
# Expected occurrences per fortnight for everyone, extra for managers, and by job family
# or profile (these replace the base rate).
_BASE = {
    "feedback_conversation": 0.5,
    "presentation": 0.4,
    "planning_review": 0.5,
    "workshop": 0.15,
    "performance_review": 0.3,
    "interview": 0.1,
    "mentoring": 0.2,
}
_MANAGER = {
    "performance_review": 1.5,
    "interview": 1.2,
    "onboarding_new_report": 0.35,
    "feedback_conversation": 1.0,
    "planning_review": 1.0,
    "presentation": 0.6,
    "mentoring": 0.4,
    "conflict": 0.15,
}
_FAMILY = {
    "engineering": {"planning_review": 1.0},
    "product": {"presentation": 0.8, "planning_review": 1.4, "client_meeting": 0.6,
                "workshop": 0.5, "strategy_review": 0.3},
    "data": {"presentation": 0.9, "planning_review": 0.6},
    "sales": {"client_meeting": 4.0, "negotiation": 1.5, "presentation": 1.2},
    "customer_success": {"client_meeting": 3.0, "negotiation": 0.4, "conflict": 0.3},
    "people": {"interview": 1.5, "feedback_conversation": 0.8, "workshop": 0.4,
               "conflict": 0.6},
    "finance": {"negotiation": 0.5, "presentation": 0.5, "planning_review": 0.8},
    "legal": {"negotiation": 1.0, "workshop": 0.3},
    "marketing": {"presentation": 1.0, "workshop": 0.5},
    "operations": {"negotiation": 0.6, "planning_review": 0.6},
    "leadership": {"presentation": 1.5, "planning_review": 1.5, "interview": 1.0,
                   "strategy_review": 1.2},
}  # fmt: skip
_PROFILE = {
    "recruiter": {"interview": 5.0},
    "senior_software_engineer": {"mentoring": 0.8, "interview": 0.5},
    "account_executive": {"negotiation": 2.0},
}


@dataclass(frozen=True, slots=True)
class Situation:
    situation: str
    starts_at: datetime  # UTC
    duration_minutes: int
    event_key: str  # stable per person and event, so a reload replaces rather than adds


def calendar_window(today: date, days: int = CALENDAR_DAYS) -> tuple[datetime, datetime]:
    start = datetime.combine(today, time(0, 0), tzinfo=UTC)
    return start, start + timedelta(days=days)


def _key(seed: int, person: int, uid: str) -> str:
    return hashlib.sha256(f"{seed}|{person}|{uid}".encode()).hexdigest()[:32]


def _workdays(today: date, days: int) -> list[date]:
    return [d for d in (today + timedelta(days=k) for k in range(days)) if d.weekday() < 5]


def _one_to_ones(
    org: Organisation, manager: int, report: int, today: date, days: int
) -> list[tuple[str, datetime, int]]:
    """(uid, start UTC, minutes) of the recurring one-to-one of ``report`` with ``manager``,
    drawn from the report's seed and held in the manager's office hours."""
    rng = np.random.default_rng([org.seed, 2, report])
    weekday = int(rng.integers(5))
    hour, minute = int(rng.integers(9, 17)), int(rng.choice((0, 30)))
    every = 7 if rng.random() < 0.6 else 14
    phase = int(rng.integers(every // 7))  # biweekly: which of the two weeks
    minutes = 45 if rng.random() < 0.25 else 30
    zone = ZoneInfo(OFFICES[org.office_of(manager)][1])
    out = []
    for day in _workdays(today, days):
        week = day.isocalendar().week
        if day.weekday() != weekday or (every == 14 and week % 2 != phase):
            continue
        local = datetime.combine(day, time(hour, minute), tzinfo=zone)
        out.append((f"1on1-{manager}-{report}-{day.isoformat()}", local.astimezone(UTC), minutes))
    return out


def _rates(org: Organisation, person: int) -> dict[str, float]:
    spec = PROFILES[int(org.profile_of[person])]
    rates = dict(_BASE)
    if spec.is_manager:
        for name, rate in _MANAGER.items():
            rates[name] = rates.get(name, 0.0) + rate
    rates.update(_FAMILY.get(spec.family, {}))
    rates.update(_PROFILE.get(spec.id, {}))
    return rates


def upcoming_situations(
    org: Organisation, profile: LatentProfile, today: date, days: int = CALENDAR_DAYS
) -> list[Situation]:
    """The person's situations from ``today`` (midnight UTC) for ``days`` days, by start."""
    person = profile.person
    rng = np.random.default_rng([org.seed, 4, person])
    start, end = calendar_window(today, days)
    slots: list[tuple[str, str, datetime, int]] = []
    manager = org.manager_of(person)
    if manager is not None:
        slots += [("one_to_one", *s) for s in _one_to_ones(org, manager, person, today, days)]
    for report in org.reports_of(person):
        slots += [("one_to_one", *s) for s in _one_to_ones(org, person, report, today, days)]
    zone = ZoneInfo(profile.timezone)
    workdays = _workdays(today, days)
    scale = profile.busyness * days / 14
    for name, rate in sorted(_rates(org, person).items()):
        for n in range(int(rng.poisson(rate * scale))):
            day = workdays[int(rng.integers(len(workdays)))]
            minutes = int(rng.choice(_DURATIONS[name]))
            latest = 17 - (minutes + 59) // 60
            local = datetime.combine(
                day, time(int(rng.integers(9, latest + 1)), int(rng.choice((0, 30)))), tzinfo=zone
            )
            slots.append((name, f"{name}-{day.isoformat()}-{n}", local.astimezone(UTC), minutes))
    out = [
        Situation(name, at, minutes, _key(org.seed, person, uid))
        for name, uid, at, minutes in slots
        if start <= at < end
    ]
    out.sort(key=lambda s: (s.starts_at, s.situation, s.event_key))
    return out
