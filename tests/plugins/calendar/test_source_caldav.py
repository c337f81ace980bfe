"""The calendar source against a real CalDAV server (Radicale on loopback): time-range
reads, incremental sync by sync token, calendar selection and clear failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from learnwire.core.runtime import Runtime
from learnwire.core.sync import SyncReport, run_source
from learnwire.plugins.calendar.feeds import CalendarFetchError
from learnwire.plugins.calendar.settings import CalendarSettings
from learnwire.plugins.calendar.source import CalendarSource
from learnwire.testing import FakeClock

KEY = b"test-pseudonym-key"


@pytest.fixture
def alice_calendars(radicale, ical):  # type: ignore[no-untyped-def]
    """Alice's calendars on the server: 'Work' (a weekly 1:1, a review) and 'Team'."""
    principal = radicale.client("alice").principal()
    work = principal.make_calendar(name="Work")
    work.save_event(
        ical.calendar(
            ical.event(
                "one-to-one@corp",
                "Weekly catch-up Alice & Lead",
                "20260106T100000",
                rrule="FREQ=WEEKLY",
                organizer="lead@example.com",
                attendees=("alice@example.com", "lead@example.com"),
            )
        )
    )
    work.save_event(
        ical.calendar(
            ical.event(
                "review@corp",
                "Jahresgespräch Alice",
                "20260108T140000",
                minutes=60,
                organizer="lead@example.com",
                attendees=("alice@example.com",),
            )
        )
    )
    team = principal.make_calendar(name="Team")
    team.save_event(
        ical.calendar(
            ical.event(
                "planning@corp",
                "Q1 roadmap planning",
                "20260109T090000",
                minutes=120,
                attendees=tuple(f"p{i}@example.com" for i in range(6)),
            )
        )
    )
    return {"work": work, "team": team}


def _source(radicale, clock: FakeClock, **account: object) -> CalendarSource:  # type: ignore[no-untyped-def]
    values = {
        "name": "alice-dav",
        "url": radicale.url,
        "username": "alice",
        "password": "alice-secret",
        "owner": "alice@example.com",
        **account,
    }
    settings = CalendarSettings.model_validate({"caldav": [values]})
    return CalendarSource(settings, key=KEY, clock=clock)


def _sync(runtime: Runtime, source: CalendarSource) -> SyncReport:
    return run_source(runtime.db, runtime.intake(guards=[]), source)


def _situations(runtime: Runtime) -> list[tuple[str, datetime]]:
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT situation, starts_at FROM calendar_signal ORDER BY starts_at"
        ).fetchall()


def test_caldav_source_reads_every_calendar_and_stores_no_event_text(
    runtime: Runtime, radicale, alice_calendars, database_text
) -> None:  # type: ignore[no-untyped-def]
    report = _sync(runtime, _source(radicale, FakeClock()))

    assert report.batches == 2  # one per calendar
    assert _situations(runtime) == [
        ("one_to_one", datetime(2026, 1, 6, 9, tzinfo=UTC)),
        ("performance_review", datetime(2026, 1, 8, 13, tzinfo=UTC)),
        ("planning_review", datetime(2026, 1, 9, 8, tzinfo=UTC)),
        ("one_to_one", datetime(2026, 1, 13, 9, tzinfo=UTC)),
    ]
    assert radicale.reports().count("calendar-query") == 2
    stored = database_text()
    for text in ("catch-up", "jahresgespr", "roadmap", "alice", "lead@", "p0@"):
        assert text not in stored


def test_caldav_second_sync_asks_only_for_changes(
    runtime: Runtime, radicale, alice_calendars, ical
) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _sync(runtime, _source(radicale, clock))
    work = alice_calendars["work"]
    work.save_event(
        ical.calendar(
            ical.event(
                "interview@corp",
                "Interview: data engineer candidate",
                "20260107T110000",
                minutes=45,
                attendees=("alice@example.com", "cand@mail.test"),
            )
        )
    )
    review = work.event_by_uid("review@corp")
    review.data = ical.calendar(
        ical.event("review@corp", "Jahresgespräch Alice", "20260108T160000", minutes=60)
    )
    review.save()
    radicale.requests.clear()
    clock.advance(minutes=30)  # same hour: nothing new has come into view

    counts = _sync(runtime, _source(radicale, clock)).report.count("calendar")

    assert (counts.new, counts.updated, counts.unchanged) == (1, 1, 0)
    assert radicale.reports() == ["sync-collection", "sync-collection"]
    assert ("performance_review", datetime(2026, 1, 8, 15, tzinfo=UTC)) in _situations(runtime)
    assert ("interview", datetime(2026, 1, 7, 10, tzinfo=UTC)) in _situations(runtime)

    radicale.requests.clear()
    quiet = _sync(runtime, _source(radicale, clock)).report.count("calendar")
    assert (quiet.new, quiet.updated, quiet.unchanged) == (0, 0, 0)
    assert radicale.reports() == ["sync-collection", "sync-collection"]


def test_caldav_moving_window_reads_only_the_new_stretch(
    runtime: Runtime, radicale, alice_calendars
) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _sync(runtime, _source(radicale, clock))
    radicale.requests.clear()
    clock.advance(days=7)

    counts = _sync(runtime, _source(radicale, clock)).report.count("calendar")

    assert counts.new == 1  # the 1:1 on 20 January has come into view
    assert sorted(radicale.reports()) == sorted(["sync-collection", "calendar-query"] * 2)
    assert ("one_to_one", datetime(2026, 1, 20, 9, tzinfo=UTC)) in _situations(runtime)


def test_caldav_reads_only_the_calendars_named(runtime: Runtime, radicale, alice_calendars) -> None:  # type: ignore[no-untyped-def]
    _sync(runtime, _source(radicale, FakeClock(), calendars=["Team"]))
    assert [s for s, _ in _situations(runtime)] == ["planning_review"]

    with pytest.raises(CalendarFetchError, match=r"has no calendars named \['Holidays'\]"):
        _sync(runtime, _source(radicale, FakeClock(), calendars=["Team", "Holidays"]))


def test_caldav_wrong_password_is_reported_without_the_password(
    runtime: Runtime, radicale, alice_calendars
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CalendarFetchError) as caught:
        _sync(runtime, _source(radicale, FakeClock(), password="not-alices-password"))
    message = str(caught.value)
    assert "CalDAV account 'alice-dav'" in message
    assert "not-alices-password" not in message
    assert _situations(runtime) == []
