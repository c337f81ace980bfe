"""What the planner reads about everyone in a few set-based queries: time zones, own
schedules, preferences, contacts, what is already planned, activity rhythm, and upcoming
situations from the calendar."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
import psycopg

from .events import VERBS

Conn = psycopg.Connection[Any]
#: Activity that shows when someone learns (not HR facts, not ratings).
RHYTHM_CATEGORIES = ["behavioural", "assessment"]
#: Our own records of a message reaching someone: counting them would teach the planner that
#: people learn whenever we happen to write to them.
NOT_ACTIVITY = [VERBS["delivered"], VERBS["unsubscribed"]]


@dataclass
class Person:
    learner_id: UUID
    timezone: str
    quiet: tuple[int, int] | None = None
    working_days: tuple[int, ...] | None = None
    cadence: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, channel)
    contacts: set[str] = field(default_factory=set)
    counts: np.ndarray = field(default_factory=lambda: np.zeros((7, 24)))
    minutes: np.ndarray = field(default_factory=lambda: np.full(24, np.nan))
    planned: dict[date, set[str]] = field(default_factory=dict)  # local day -> kinds
    situations: list[tuple[str, datetime]] = field(default_factory=list)


def load_people(
    conn: Conn, *, at: datetime, history_days: int, learners: list[UUID] | None = None
) -> dict[UUID, Person]:
    ids = learners
    people: dict[UUID, Person] = {}
    rows = conn.execute(
        "SELECT l.id, l.timezone, s.quiet_from, s.quiet_to, s.working_days FROM learner l "
        "LEFT JOIN delivery_schedule s ON s.learner_id = l.id "
        "WHERE %s::uuid[] IS NULL OR l.id = ANY(%s) ORDER BY l.id",
        (ids, ids),
    )
    for lid, tz, q_from, q_to, days in rows:
        quiet = (q_from, q_to) if q_from is not None and q_to is not None else None
        people[lid] = Person(lid, tz, quiet, tuple(days) if days is not None else None)
    if not people:
        return people
    id_list = list(people)
    for lid, kind, channel, cadence in conn.execute(
        "SELECT learner_id, kind, channel, cadence FROM delivery_preference "
        "WHERE learner_id = ANY(%s)",
        (id_list,),
    ):
        people[lid].cadence[(kind, channel)] = cadence
    for lid, channel in conn.execute(
        "SELECT learner_id, channel FROM delivery_contact WHERE learner_id = ANY(%s)", (id_list,)
    ):
        people[lid].contacts.add(channel)
    for lid, kind, day in conn.execute(
        "SELECT learner_id, kind, day FROM delivery_outbox WHERE learner_id = ANY(%s) "
        "AND day BETWEEN %s AND %s",
        (id_list, (at - timedelta(days=2)).date(), (at + timedelta(days=2)).date()),
    ):
        people[lid].planned.setdefault(day, set()).add(kind)
    _rhythm(conn, people, id_list, at, history_days)
    for lid, situation, starts in conn.execute(
        "SELECT learner_id, situation, starts_at FROM calendar_signal "
        "WHERE learner_id = ANY(%s) AND starts_at > %s AND starts_at < %s ORDER BY starts_at",
        (id_list, at, at + timedelta(days=6)),
    ):
        people[lid].situations.append((situation, starts))
    return people


def _rhythm(
    conn: Conn, people: dict[UUID, Person], ids: list[UUID], at: datetime, days: int
) -> None:
    """Days active by local weekday and hour (a session of twenty statements is one), and
    the mean minute per hour, learned only from what happened before ``at`` (so replaying a
    past day never peeks ahead)."""
    minute_sum: dict[UUID, np.ndarray] = defaultdict(lambda: np.zeros(24))
    hour_total: dict[UUID, np.ndarray] = defaultdict(lambda: np.zeros(24))
    for lid, dow, hour, n, minutes in conn.execute(
        "SELECT e.learner_id, "
        "       extract(isodow FROM e.occurred_at AT TIME ZONE l.timezone)::int - 1, "
        "       extract(hour FROM e.occurred_at AT TIME ZONE l.timezone)::int, "
        "       count(DISTINCT (e.occurred_at AT TIME ZONE l.timezone)::date), "
        "       avg(extract(minute FROM e.occurred_at AT TIME ZONE l.timezone)) "
        "FROM learning_event e JOIN learner l ON l.id = e.learner_id "
        "WHERE e.learner_id = ANY(%s) AND e.occurred_at >= %s AND e.occurred_at < %s "
        "AND e.data_category::text = ANY(%s) AND NOT e.voided AND NOT e.verb = ANY(%s) "
        "GROUP BY 1, 2, 3",
        (ids, at - timedelta(days=days), at, RHYTHM_CATEGORIES, NOT_ACTIVITY),
    ):
        person = people[lid]
        person.counts[dow, hour] = n
        minute_sum[lid][hour] += float(minutes) * n
        hour_total[lid][hour] += n
    for lid, total in hour_total.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            people[lid].minutes = np.where(total > 0, minute_sum[lid] / total, np.nan)
