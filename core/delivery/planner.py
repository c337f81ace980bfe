"""The planner: who gets which message today, in which channels, at what time, and why not.

For each person, on their own local day: a nudge when a calendar situation falls on their
next working day, a digest when their cadence makes one due, and a survey message when
micro-survey questions wait for them on a day without a digest (a digest asks them itself),
at most once a week. Channels come from the
person's own cadence (else the organisation's default) and need an address; the day must be
one of their working days and the hour outside their quiet hours; the frequency cap counts
every message of the day; the policy then removes channels (or whole messages) before
anything is rendered. What passes goes into the outbox, keyed on (person, kind, day).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg

from .audience import Person, load_people
from .channel import DeliveryChannel
from .governance import ChannelRef, DeliveryGovernance, PlannedMessage, uses_of
from .rhythm import SendTime, allowed_hours, best_time, prior
from .settings import DeliverySettings

Conn = psycopg.Connection[Any]
#: When both are due on a day the cap allows only one of, the timely one goes first; a
#: survey comes after both (``_add_surveys``): it never displaces something to learn.
KIND_ORDER = ("nudge", "digest")
#: A survey message goes to a person at most once in this many days.
SURVEY_EVERY_DAYS = 7
#: Who, among these people, has survey questions waiting at this moment.
SurveyWaiting = Callable[[Conn, list[UUID], datetime], set[UUID]]


@dataclass
class Plan:
    learner_id: UUID
    kind: str
    day: date
    send_at: datetime | None = None
    timing: str = ""
    situation: str | None = None
    channels: list[str] = field(default_factory=list)
    skipped: str = ""  # why nothing is sent (empty: it is planned)

    def as_dict(self) -> dict[str, Any]:
        return {
            "learner_id": str(self.learner_id),
            "kind": self.kind,
            "day": self.day.isoformat(),
            "send_at": self.send_at.isoformat() if self.send_at else None,
            "timing": self.timing,
            "situation": self.situation,
            "channels": self.channels,
            "skipped": self.skipped,
        }


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


class Planner:
    def __init__(
        self,
        settings: DeliverySettings,
        channels: Sequence[DeliveryChannel],
        governance: DeliveryGovernance,
        survey_waiting: SurveyWaiting | None = None,
    ) -> None:
        self.settings = settings
        self.survey_waiting = survey_waiting
        self.channels = {c.name: c for c in sorted(channels, key=lambda c: c.name)}
        self.governance = governance
        self.prior = prior(settings.default_hour, settings.prior_weight)

    def plan(self, conn: Conn, *, at: datetime, learners: list[UUID] | None = None) -> list[Plan]:
        """Every message due on each person's local day of ``at``, planned or skipped (with
        the reason). Writes nothing.

        The policy screens candidates before the cap and the clock are applied, so a refused
        nudge leaves room for the digest."""
        people = load_people(
            conn, at=at, history_days=self.settings.history_days, learners=learners
        )
        candidates = [(person, self._candidates(person, at)) for person in people.values()]
        self._add_surveys(conn, candidates, at)
        self._screen(conn, [p for _, plans in candidates for p in plans if not p.skipped])
        out: list[Plan] = []
        for person, plans in candidates:
            self._schedule(person, plans, at)
            out.extend(plans)
        return out

    # -- one person ------------------------------------------------------------------------

    def _rules(self, person: Person) -> tuple[tuple[int, ...], tuple[int, int]]:
        s = self.settings
        working = person.working_days if person.working_days is not None else tuple(s.working_days)
        return working, person.quiet or (s.quiet_from, s.quiet_to)

    def _add_surveys(
        self, conn: Conn, candidates: list[tuple[Person, list[Plan]]], at: datetime
    ) -> None:
        """A survey message for people on a working day without a digest (the digest asks
        the questions itself), with questions waiting, and no survey in the last week. Who
        has questions is only looked up for the few that remain."""
        if self.survey_waiting is None:
            return
        open_day: dict[UUID, tuple[Person, list[Plan], date]] = {}
        for person, plans in candidates:
            day = at.astimezone(_zone(person.timezone)).date()
            working, _ = self._rules(person)
            already = person.planned.get(day, set())
            digest = "digest" in already or any(p.kind == "digest" and not p.skipped for p in plans)
            if day.weekday() in working and "survey" not in already and not digest:
                open_day[person.learner_id] = (person, plans, day)
        if not open_day:
            return
        for learner in sorted(self._survey_due(conn, list(open_day), at)):
            person, plans, day = open_day[learner]
            working, _ = self._rules(person)
            plan = Plan(learner, "survey", day)
            plan.channels = self._channels(person, "survey", day, working)
            if not plan.channels:
                plan.skipped = "no channel: every channel is off or has no address"
            plans.append(plan)

    def _survey_due(self, conn: Conn, people: list[UUID], at: datetime) -> set[UUID]:
        """People with questions waiting who got no survey message in the last week."""
        assert self.survey_waiting is not None
        recent = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT learner_id FROM delivery_outbox WHERE kind = 'survey' "
                "AND learner_id = ANY(%s) AND day > %s",
                (people, (at - timedelta(days=SURVEY_EVERY_DAYS)).date()),
            )
        }
        return self.survey_waiting(conn, [p for p in people if p not in recent], at)

    def _candidates(self, person: Person, at: datetime) -> list[Plan]:
        day = at.astimezone(_zone(person.timezone)).date()
        working, _ = self._rules(person)
        if day.weekday() not in working:
            return []
        already = person.planned.get(day, set())
        out: list[Plan] = []
        for kind in KIND_ORDER:
            due, situation = self._due(person, kind, day, working)
            if not due or kind in already:
                continue  # not due, or planned by an earlier run: the outbox has it
            plan = Plan(person.learner_id, kind, day, situation=situation)
            plan.channels = self._channels(person, kind, day, working)
            if not plan.channels:
                plan.skipped = "no channel: every channel is off or has no address"
            out.append(plan)
        return out

    def _schedule(self, person: Person, plans: list[Plan], at: datetime) -> None:
        """The frequency cap and the send time, for the plans the policy let through."""
        tz = _zone(person.timezone)
        local = at.astimezone(tz)
        _, quiet = self._rules(person)
        sent_today = len(person.planned.get(local.date(), set()))
        for plan in plans:
            if plan.skipped:
                continue
            if sent_today >= self.settings.max_per_day:
                plan.skipped = f"frequency cap: {self.settings.max_per_day} message(s) a day"
                continue
            hours = allowed_hours(*quiet, not_before=local.hour)
            slot = best_time(
                person.counts, person.minutes, plan.day.weekday(), hours, prior_counts=self.prior
            )
            if slot is None:
                plan.skipped = "no hour left today outside quiet hours"
                continue
            plan.send_at = _at_local(plan.day, slot, tz)
            plan.timing = slot.explain()
            sent_today += 1

    def _due(
        self, person: Person, kind: str, day: date, working: tuple[int, ...]
    ) -> tuple[bool, str | None]:
        if kind == "nudge":
            nxt = _next_working_day(day, working)
            tz = _zone(person.timezone)
            for situation, starts in person.situations:
                if starts.astimezone(tz).date() == nxt:
                    return True, situation
            return False, None
        return True, None

    def _channels(
        self, person: Person, kind: str, day: date, working: tuple[int, ...]
    ) -> list[str]:
        out = []
        for name, channel in self.channels.items():
            cadence = person.cadence.get((kind, name)) or self.settings.cadence(kind, name)
            if cadence == "off":
                continue
            if kind == "digest" and cadence == "weekly" and day != _first_working_day(day, working):
                continue
            if channel.needs_address and name not in person.contacts:
                continue
            out.append(name)
        return out

    def _screen(self, conn: Conn, plans: list[Plan]) -> None:
        if not plans:
            return
        asks = [
            PlannedMessage(
                p.learner_id,
                p.kind,
                [ChannelRef(c, self.channels[c].processor) for c in p.channels],
                uses=uses_of(p.kind),
            )
            for p in plans
        ]
        self.governance.screen(conn, asks)
        for plan, ask in zip(plans, asks, strict=True):
            if "*" in ask.refused:
                plan.skipped = f"policy: {ask.refused['*']}"
                continue
            plan.channels = [c for c in plan.channels if c not in ask.refused]
            if not plan.channels:
                reasons = "; ".join(f"{c}: {r}" for c, r in sorted(ask.refused.items()))
                plan.skipped = f"policy: {reasons}"


def _at_local(day: date, slot: SendTime, tz: ZoneInfo) -> datetime:
    """The local wall time as an aware instant; a time inside a spring-forward gap moves
    on by the gap (as a person's clock would)."""
    naive = datetime(day.year, day.month, day.day, slot.hour, slot.minute)
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(ZoneInfo("UTC"))


def _next_working_day(day: date, working: tuple[int, ...]) -> date | None:
    for step in range(1, 8):
        nxt = day + timedelta(days=step)
        if nxt.weekday() in working:
            return nxt
    return None


def _first_working_day(day: date, working: tuple[int, ...]) -> date:
    monday = day - timedelta(days=day.weekday())
    for step in range(7):
        d = monday + timedelta(days=step)
        if d.weekday() in working:
            return d
    return monday
