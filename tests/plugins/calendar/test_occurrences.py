"""Reading iCalendar: recurrences expanded, time zones respected, non-work entries skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from learnwire.plugins.calendar.occurrences import parse_calendar, upcoming

UTC_ZONE = ZoneInfo("UTC")


def _starts(occurrences) -> list[datetime]:  # type: ignore[no-untyped-def]
    return sorted(o.start for o in occurrences)


def test_occurrences_weekly_series_keeps_local_time_across_daylight_saving(ical) -> None:
    text = ical.calendar(
        ical.event("weekly@t", "1:1", "20260319T100000", rrule="FREQ=WEEKLY", minutes=30)
    )
    start = datetime(2026, 3, 18, tzinfo=UTC)
    window = (start, start + timedelta(days=21))
    found = list(upcoming(parse_calendar(text), *window, floating_zone=UTC_ZONE))
    # 10:00 in Berlin is 09:00 UTC in winter time and 08:00 UTC after 29 March.
    assert _starts(found) == [
        datetime(2026, 3, 19, 9, tzinfo=UTC),
        datetime(2026, 3, 26, 9, tzinfo=UTC),
        datetime(2026, 4, 2, 8, tzinfo=UTC),
    ]
    assert all(o.recurring and o.duration_minutes == 30 for o in found)


def test_occurrences_exdate_and_moved_occurrence_keep_original_identity(ical) -> None:
    series = ical.event(
        "daily@t",
        "Stand-up",
        "20260105T090000",
        tz="Z",
        rrule="FREQ=DAILY;COUNT=5",
        minutes=15,
        extra=("EXDATE:20260107T090000Z",),
    )
    moved = ical.event(
        "daily@t",
        "Stand-up (moved)",
        "20260108T140000",
        tz="Z",
        minutes=15,
        extra=("RECURRENCE-ID:20260108T090000Z",),
    )
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    found = list(
        upcoming(
            parse_calendar(ical.calendar(series, moved)),
            start,
            start + timedelta(days=7),
            floating_zone=UTC_ZONE,
        )
    )
    by_start = {o.start: o for o in found}
    assert sorted(by_start) == [
        datetime(2026, 1, 5, 9, tzinfo=UTC),
        datetime(2026, 1, 6, 9, tzinfo=UTC),
        datetime(2026, 1, 8, 14, tzinfo=UTC),
        datetime(2026, 1, 9, 9, tzinfo=UTC),
    ]
    moved_one = by_start[datetime(2026, 1, 8, 14, tzinfo=UTC)]
    assert moved_one.recurrence_start == datetime(2026, 1, 8, 9, tzinfo=UTC)
    assert moved_one.recurring


def test_occurrences_skip_all_day_cancelled_private_and_past_events(ical) -> None:
    text = ical.calendar(
        ical.event("ok@t", "Planning", "20260106T100000"),
        ical.event("past@t", "Planning", "20260105T080000"),
        ical.event("cancelled@t", "Planning", "20260106T110000", extra=("STATUS:CANCELLED",)),
        ical.event("private@t", "Planning", "20260106T120000", extra=("CLASS:PRIVATE",)),
        "BEGIN:VEVENT\r\nUID:allday@t\r\nDTSTAMP:20251201T000000Z\r\n"
        "DTSTART;VALUE=DATE:20260107\r\nSUMMARY:Offsite\r\nEND:VEVENT",
    )
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    window = (start, start + timedelta(days=7))
    found = list(upcoming(parse_calendar(text), *window, floating_zone=UTC_ZONE))
    assert [o.uid for o in found] == ["ok@t"]
    with_private = list(
        upcoming(parse_calendar(text), *window, floating_zone=UTC_ZONE, include_private=True)
    )
    assert sorted(o.uid for o in with_private) == ["ok@t", "private@t"]


def test_occurrences_floating_times_are_read_in_the_configured_zone(ical) -> None:
    text = ical.calendar(ical.event("float@t", "Review", "20260106T100000", tz=None))
    start = datetime(2026, 1, 5, tzinfo=UTC)
    [occurrence] = upcoming(
        parse_calendar(text),
        start,
        start + timedelta(days=3),
        floating_zone=ZoneInfo("America/New_York"),
    )
    assert occurrence.start == datetime(2026, 1, 6, 15, tzinfo=UTC)


def test_occurrences_participants_exclude_rooms_and_flag_declines(ical) -> None:
    text = ical.calendar(
        ical.event(
            "people@t",
            "Review",
            "20260106T100000",
            organizer="Lead@Example.com",
            attendees=(
                "alice@example.com",
                ("bob@example.com", "PARTSTAT=DECLINED"),
                ("room-4@example.com", "CUTYPE=ROOM"),
                "lead@example.com",
            ),
        )
    )
    start = datetime(2026, 1, 5, tzinfo=UTC)
    [occurrence] = upcoming(
        parse_calendar(text), start, start + timedelta(days=3), floating_zone=UTC_ZONE
    )
    assert occurrence.organiser == "lead@example.com"
    assert {(p.address, p.declined) for p in occurrence.participants} == {
        ("lead@example.com", False),
        ("alice@example.com", False),
        ("bob@example.com", True),
    }
    assert not occurrence.recurring
