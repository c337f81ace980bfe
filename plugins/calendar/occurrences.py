"""From iCalendar data to the upcoming occurrences in a window, in memory only.

Recurring series are expanded (RRULE, RDATE, EXDATE and moved or cancelled single
occurrences via RECURRENCE-ID) by ``recurring_ical_events``; time zones come from the
calendar's VTIMEZONEs or ``X-WR-TIMEZONE``, and floating times are read in a configured zone.
All-day entries (DATE values), cancelled events and, unless allowed, private ones are left
out: they are not work situations or not ours to read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


@dataclass(frozen=True)
class Participant:
    address: str  # lower-cased e-mail address without "mailto:"
    declined: bool = False


@dataclass(frozen=True)
class Occurrence:
    """One upcoming occurrence. ``text`` and ``participants`` exist only in memory."""

    uid: str
    #: The original start (RECURRENCE-ID) of an occurrence in a series, stable when one
    #: occurrence is moved; None for a single event, whose UID alone identifies it.
    recurrence_start: datetime | None
    start: datetime
    duration: timedelta
    recurring: bool
    text: str
    organiser: str | None
    participants: tuple[Participant, ...]

    @property
    def duration_minutes(self) -> float:
        return max(self.duration.total_seconds(), 0.0) / 60


def parse_calendar(data: bytes | str) -> icalendar.Calendar:
    """Parse iCalendar text; raises ``ValueError`` with the parser's reason if it is not."""
    try:
        return icalendar.Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError...
        raise ValueError(f"not valid iCalendar data: {exc}") from exc


def upcoming(
    calendar: icalendar.Calendar,
    start: datetime,
    end: datetime,
    *,
    floating_zone: ZoneInfo,
    include_private: bool = False,
) -> Iterator[Occurrence]:
    """Occurrences starting in ``[start, end)`` (aware datetimes), in no particular order."""
    series = {
        str(event.get("UID", ""))
        for event in calendar.walk("VEVENT")
        if any(key in event for key in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    # A day's margin either side: floating times are placed in ``floating_zone`` only below,
    # so the library's own reading of them must not cut them off at the window's edges.
    margin = timedelta(days=1)
    query = recurring_ical_events.of(calendar, components=["VEVENT"])
    expanded = query.between(start - margin, end + margin)
    for event in expanded:
        occurrence = _occurrence(event, series, floating_zone, include_private)
        if occurrence is not None and start <= occurrence.start < end:
            yield occurrence


def _occurrence(
    event: icalendar.Event, series: set[str], zone: ZoneInfo, include_private: bool
) -> Occurrence | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if not include_private and str(event.get("CLASS", "PUBLIC")).upper() in (
        "PRIVATE",
        "CONFIDENTIAL",
    ):
        return None
    start = _instant(event.get("DTSTART"), zone)
    if start is None:  # all-day entries (holidays, leave) are not work situations
        return None
    end = _instant(event.get("DTEND"), zone)
    duration = (end - start) if end is not None else _duration(event)
    uid = str(event.get("UID", "")).strip()
    recurring = bool(uid) and uid in series
    # The expander stamps every occurrence with a RECURRENCE-ID, single events too.
    recurrence = (_instant(event.get("RECURRENCE-ID"), zone) or start) if recurring else None
    if not uid:
        # RFC 5545 requires a UID; without one, the start is the only stable identity.
        uid = f"no-uid:{start.isoformat()}"
    return Occurrence(
        uid=uid,
        recurrence_start=recurrence,
        start=start,
        duration=duration,
        recurring=recurring,
        text=_text(event),
        organiser=_address(event.get("ORGANIZER")),
        participants=_participants(event),
    )


def _instant(prop: Any, zone: ZoneInfo) -> datetime | None:
    if prop is None:
        return None
    value = getattr(prop, "dt", prop)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return None
    return None


def _duration(event: icalendar.Event) -> timedelta:
    prop = event.get("DURATION")
    value = getattr(prop, "dt", None)
    return value if isinstance(value, timedelta) else timedelta(0)


def _text(event: icalendar.Event) -> str:
    parts = [str(event.get("SUMMARY", "")), str(event.get("DESCRIPTION", ""))]
    categories = event.get("CATEGORIES")
    for group in categories if isinstance(categories, list) else [categories]:
        if group is not None:
            parts.extend(str(c) for c in getattr(group, "cats", []))
    return "\n".join(p for p in parts if p)


def _address(prop: Any) -> str | None:
    if prop is None:
        return None
    value = str(prop).strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    value = value.strip().lower()
    return value if "@" in value else None


def _participants(event: icalendar.Event) -> tuple[Participant, ...]:
    """Distinct people: the organiser and every attendee who is not a room or resource."""
    people: dict[str, Participant] = {}
    organiser = _address(event.get("ORGANIZER"))
    if organiser:
        people[organiser] = Participant(organiser)
    attendees = event.get("ATTENDEE")
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        if attendee is None:
            continue
        params = getattr(attendee, "params", {})
        if str(params.get("CUTYPE", "INDIVIDUAL")).upper() in ("ROOM", "RESOURCE"):
            continue
        address = _address(attendee)
        if address is None:
            continue
        declined = str(params.get("PARTSTAT", "")).upper() == "DECLINED"
        people[address] = Participant(address, declined)
    return tuple(people.values())
