"""The calendar source over ICS feeds, end to end into the real store: only situations,
times and durations are stored; conditional re-reads; attribution; failures reported."""

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
ALICE_PATH = "/feeds/alice-7f3a.ics"
TEAM_PATH = "/feeds/team.ics"


def _alice_calendar(ical, *, review_at: str = "20260108T140000") -> bytes:  # type: ignore[no-untyped-def]
    return ical.calendar(
        ical.event(
            "one-to-one@corp",
            "1:1 Alice / Lead",
            "20260106T100000",
            rrule="FREQ=WEEKLY",
            organizer="lead@example.com",
            attendees=("alice@example.com", "lead@example.com"),
            description="Agenda: Alice's promotion case",
        ),
        ical.event(
            "review@corp",
            "Annual performance review Alice",
            review_at,
            minutes=60,
            organizer="lead@example.com",
            attendees=("alice@example.com",),
        ),
        ical.event(
            "lunch@corp", "Lunch with Bob", "20260107T120000", attendees=("bob@example.com",)
        ),
        ical.event(
            "coffee@corp",
            "Coffee corner chat",
            "20260107T150000",
            attendees=("a@example.com", "b@example.com", "c@example.com", "d@example.com"),
        ),
    ).encode()


def _sync(runtime: Runtime, source: CalendarSource, *, full: bool = False) -> SyncReport:
    return run_source(runtime.db, runtime.intake(guards=[]), source, full=full)


def _rows(runtime: Runtime) -> list[tuple[str, datetime, float]]:
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT situation, starts_at, duration_minutes FROM calendar_signal ORDER BY starts_at"
        ).fetchall()


def _source(feed_server, clock: FakeClock, **settings: object) -> CalendarSource:  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "feeds": [
            {"name": "alice", "url": feed_server.url + ALICE_PATH, "owner": "alice@example.com"}
        ]
    }
    values.update(settings)
    return CalendarSource(CalendarSettings.model_validate(values), key=KEY, clock=clock)


def test_source_feed_stores_only_situation_time_and_duration(
    runtime: Runtime, feed_server, ical, database_text
) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical))
    report = _sync(runtime, _source(feed_server, FakeClock()))

    assert report.report.count("calendar").new == 3
    assert _rows(runtime) == [
        ("one_to_one", datetime(2026, 1, 6, 9, tzinfo=UTC), 30.0),
        ("performance_review", datetime(2026, 1, 8, 13, tzinfo=UTC), 60.0),
        ("one_to_one", datetime(2026, 1, 13, 9, tzinfo=UTC), 30.0),
    ]
    stored = database_text()
    for secret in (
        "1:1 alice",
        "performance review",
        "lunch",
        "coffee",
        "promotion",
        "alice",
        "lead@",
    ):
        assert secret not in stored, f"{secret!r} reached the database"
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 1


def test_source_feed_second_sync_asks_conditionally_and_stores_nothing_new(
    runtime: Runtime, feed_server, ical
) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical))
    clock = FakeClock()
    _sync(runtime, _source(feed_server, clock))
    clock.advance(minutes=20)  # same hour: the window's end has not moved
    again = _sync(runtime, _source(feed_server, clock))

    assert [status for _, _, status in feed_server.requests] == [200, 304]
    assert feed_server.requests[1][1] is not None  # If-None-Match was sent
    assert again.batches == 0
    assert len(_rows(runtime)) == 3


def test_source_feed_moving_window_brings_new_occurrences_and_moves_update(
    runtime: Runtime, feed_server, ical
) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical))
    clock = FakeClock()
    _sync(runtime, _source(feed_server, clock))

    feed_server.serve(ALICE_PATH, _alice_calendar(ical, review_at="20260109T160000"))
    clock.advance(days=7)
    report = _sync(runtime, _source(feed_server, clock)).report.count("calendar")

    # Now: 12 Jan 09:00. The review moved (updated), the 13th's 1:1 is unchanged, the
    # 20th's comes into view (new); past signals stay as they were.
    assert (report.new, report.updated, report.unchanged) == (1, 0, 1)
    assert [status for _, _, status in feed_server.requests] == [200, 200]
    rows = _rows(runtime)
    assert [r[0] for r in rows].count("one_to_one") == 3
    assert ("performance_review", datetime(2026, 1, 8, 13, tzinfo=UTC), 60.0) in rows


def test_source_feed_moved_event_updates_its_signal_instead_of_adding_one(
    runtime: Runtime, feed_server, ical
) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical))
    clock = FakeClock()
    _sync(runtime, _source(feed_server, clock))
    feed_server.serve(ALICE_PATH, _alice_calendar(ical, review_at="20260109T160000"))
    report = _sync(runtime, _source(feed_server, clock)).report.count("calendar")

    assert (report.new, report.updated, report.unchanged) == (0, 1, 2)
    rows = _rows(runtime)
    assert len(rows) == 3
    assert ("performance_review", datetime(2026, 1, 9, 15, tzinfo=UTC), 60.0) in rows


def test_source_full_resync_changes_nothing(runtime: Runtime, feed_server, ical) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical))
    clock = FakeClock()
    _sync(runtime, _source(feed_server, clock))
    full = _sync(runtime, _source(feed_server, clock), full=True).report.count("calendar")
    assert (full.new, full.updated, full.unchanged) == (0, 0, 3)
    assert feed_server.requests[-1][1] is None  # a full sync asks unconditionally


def test_source_org_feed_attributes_events_to_colleagues_who_attend(
    runtime: Runtime, feed_server, ical, database_text
) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(
        TEAM_PATH,
        ical.calendar(
            ical.event(
                "pricing@corp",
                "Pricing negotiation Globex",
                "20260107T100000",
                minutes=90,
                organizer="dana@example.com",
                attendees=(
                    "erik@example.com",
                    ("fay@example.com", "PARTSTAT=DECLINED"),
                    "buyer@globex.test",
                ),
            )
        ).encode(),
    )
    settings = CalendarSettings.model_validate(
        {
            "feeds": [{"name": "team", "url": feed_server.url + TEAM_PATH}],
            "org_domains": ["example.com"],
        }
    )
    _sync(runtime, CalendarSource(settings, key=KEY, clock=FakeClock()))

    with runtime.db.connection() as conn:
        rows = conn.execute(
            "SELECT situation, count(DISTINCT learner_id) FROM calendar_signal GROUP BY 1"
        ).fetchall()
        learners = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
    assert rows == [("negotiation", 2)]  # dana and erik; fay declined; the buyer is external
    assert learners == 2
    assert "globex" not in database_text()


def test_source_failing_feed_is_reported_by_name_and_others_still_sync(
    runtime: Runtime, feed_server, ical
) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical))
    source = _source(
        feed_server,
        FakeClock(),
        feeds=[
            {
                "name": "gone",
                "url": feed_server.url + "/feeds/secret-token-123.ics",
                "owner": "x@example.com",
            },
            {"name": "alice", "url": feed_server.url + ALICE_PATH, "owner": "alice@example.com"},
        ],
    )
    with pytest.raises(CalendarFetchError) as caught:
        _sync(runtime, source)
    assert "feed 'gone' answered HTTP 404" in str(caught.value)
    assert "secret-token-123" not in str(caught.value)
    assert len(_rows(runtime)) == 3


def test_source_feed_with_basic_auth_sends_credentials_and_explains_refusal(
    runtime: Runtime, feed_server, ical
) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical), "alice", "s3cret")
    feed = {"name": "alice", "url": feed_server.url + ALICE_PATH, "owner": "alice@example.com"}
    good = _source(
        feed_server, FakeClock(), feeds=[{**feed, "username": "alice", "password": "s3cret"}]
    )
    assert _sync(runtime, good).report.count("calendar").new == 3

    bad = _source(
        feed_server, FakeClock(), feeds=[{**feed, "username": "alice", "password": "wrong"}]
    )
    with pytest.raises(CalendarFetchError, match="refused access \\(HTTP 401\\)") as caught:
        _sync(runtime, bad, full=True)
    assert "wrong" not in str(caught.value)


def test_source_window_and_unclassified_setting(runtime: Runtime, feed_server, ical) -> None:  # type: ignore[no-untyped-def]
    feed_server.serve(ALICE_PATH, _alice_calendar(ical))
    source = _source(feed_server, FakeClock(), window_days=3, store_unclassified=True)
    _sync(runtime, source)
    # Three days: the first 1:1, not the review (8 Jan); the coffee chat is stored as a
    # plain "meeting", the lunch is still ignored.
    assert [r[0] for r in _rows(runtime)] == ["one_to_one", "meeting"]
