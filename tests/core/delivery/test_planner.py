"""When and whether: learned send time in local time (also across DST), quiet hours, working
days, the frequency cap, a person's "off" against organisation defaults, opt-outs and the
processor rules of the policy."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from learnwire.core.delivery import events, preferences
from learnwire.core.delivery.run import plan_and_queue
from learnwire.core.delivery.sender import Sender
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out
from learnwire.policies.engine import engine_for
from learnwire.policies.validation import DEFAULTS_DIR

from .conftest import activity, store_events

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Berlin 01:30
EMAIL = {"email": {"host": "127.0.0.1", "sender": "learning@example.com"}}


def _plans(runtime, at, **kw):
    report = plan_and_queue(runtime, Sender(runtime), at=at, **kw)
    return {(p.learner_id, p.kind): p for p in report.plans}


def _local_habit(runtime, learner, hour, minute, *, until, weeks=8, tz=BERLIN):
    """Activity at hh:mm local on every weekday of the ``weeks`` before ``until``."""
    day = until.astimezone(tz).date()
    events = []
    for back in range(1, weeks * 7 + 1):
        d = day - timedelta(days=back)
        if d.weekday() < 5:
            local = datetime(d.year, d.month, d.day, hour, minute, tzinfo=tz)
            events += activity(learner, local.astimezone(UTC))
    store_events(runtime, events)


def test_planner_sends_at_the_learned_local_hour_and_says_why(make_runtime, org):
    runtime = make_runtime(EMAIL)
    _local_habit(runtime, org["ana"], 7, 40, until=MONDAY)
    plan = _plans(runtime, MONDAY)[(org["ana"], "digest")]
    local = plan.send_at.astimezone(BERLIN)
    assert (local.hour, local.minute) == (7, 35)
    assert plan.timing == "sent at 07:35, when you usually learn"
    assert plan.channels == ["email", "lms"]


def test_planner_newcomer_gets_the_default_hour(make_runtime, org):
    plan = _plans(make_runtime(EMAIL), MONDAY)[(org["ana"], "digest")]
    assert plan.send_at.astimezone(BERLIN).hour == 9
    assert "we will learn which time suits you" in plan.timing


def test_planner_keeps_local_hour_across_the_dst_change(make_runtime, org):
    runtime = make_runtime(EMAIL)
    friday = datetime(2026, 3, 27, 0, 30, tzinfo=UTC)  # CET, UTC+1
    monday = datetime(2026, 3, 30, 0, 30, tzinfo=UTC)  # CEST, UTC+2 since Sunday
    _local_habit(runtime, org["ana"], 8, 15, until=monday)
    before = _plans(runtime, friday)[(org["ana"], "digest")].send_at
    after = _plans(runtime, monday)[(org["ana"], "digest")].send_at
    assert before.astimezone(BERLIN).hour == after.astimezone(BERLIN).hour == 8
    assert (before.hour, after.hour) == (7, 6), "the same local hour is another UTC hour"


def test_planner_never_sends_inside_quiet_hours(make_runtime, org, db):
    runtime = make_runtime(EMAIL)
    _local_habit(runtime, org["ana"], 8, 0, until=MONDAY)
    with db.connection() as conn:
        preferences.set_schedule(conn, org["ana"], quiet_from=6, quiet_to=10, working_days=None)
    plan = _plans(runtime, MONDAY, dry_run=True)[(org["ana"], "digest")]
    assert plan.send_at.astimezone(BERLIN).hour == 10
    # Planned first at 21:00 Berlin, inside the default quiet hours: nothing is left today.
    late = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    with db.connection() as conn:
        preferences.set_schedule(
            conn, org["ana"], quiet_from=None, quiet_to=None, working_days=None
        )
    plan = _plans(runtime, late)[(org["ana"], "digest")]
    assert plan.skipped == "no hour left today outside quiet hours"


def test_planner_respects_working_days_unless_the_person_chose_otherwise(make_runtime, org, db):
    runtime = make_runtime(EMAIL)
    saturday = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    assert (org["ana"], "digest") not in _plans(runtime, saturday)
    with db.connection() as conn:
        preferences.set_schedule(
            conn, org["ana"], quiet_from=None, quiet_to=None, working_days=[0, 1, 2, 3, 4, 5]
        )
    assert not _plans(runtime, saturday)[(org["ana"], "digest")].skipped


def test_planner_frequency_cap_puts_the_nudge_first(make_runtime, org):
    runtime = make_runtime(EMAIL)
    monday_ny = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # New York 07:00
    plans = _plans(runtime, monday_ny)
    assert plans[(org["ben"], "nudge")].situation == "presentation"
    assert not plans[(org["ben"], "nudge")].skipped
    assert plans[(org["ben"], "digest")].skipped == "frequency cap: 1 message(s) a day"
    roomy = make_runtime({**EMAIL, "delivery": {"max_per_day": 2}})
    plans = _plans(roomy, monday_ny, dry_run=True)
    assert not plans[(org["ben"], "digest")].skipped


def test_planner_off_wins_over_organisation_defaults(make_runtime, org, db):
    slack = {"bot_token": "xoxb-1", "api_url": "http://127.0.0.1:9"}
    runtime = make_runtime(
        {
            **EMAIL,
            "slack": slack,
            "delivery": {"default_cadence": {"digest": {"email": "daily", "slack": "daily"}}},
        }
    )
    with db.connection() as conn:
        preferences.set_cadence(
            conn, org["ana"], kind="digest", channel="slack", cadence="off", via="test"
        )
        preferences.set_cadence(
            conn, org["chris"], kind="digest", channel="email", cadence="off", via="test"
        )
        preferences.set_cadence(
            conn, org["chris"], kind="digest", channel="slack", cadence="off", via="test"
        )
    plans = _plans(runtime, MONDAY)
    assert plans[(org["ana"], "digest")].channels == ["email"]
    assert plans[(org["chris"], "digest")].skipped.startswith("no channel")


def test_planner_weekly_digest_goes_on_the_first_working_day_only(make_runtime, org, db):
    runtime = make_runtime(EMAIL)
    with db.connection() as conn:
        preferences.set_cadence(
            conn, org["ana"], kind="digest", channel="email", cadence="weekly", via="test"
        )
    assert "email" in _plans(runtime, MONDAY)[(org["ana"], "digest")].channels
    tuesday = MONDAY + timedelta(days=1)
    assert _plans(runtime, tuesday)[(org["ana"], "digest")].channels == ["lms"]


def test_planner_calendar_opt_out_stops_the_nudge(make_runtime, org, db):
    runtime = make_runtime(EMAIL)
    with db.connection() as conn:
        set_opt_out(
            conn, engine_for(runtime), org["ben"], "calendar", by=Subject.learner(org["ben"])
        )
    plans = _plans(runtime, datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert plans[(org["ben"], "nudge")].skipped == (
        "policy: the person opted out of 'calendar', which a nudge relies on"
    )
    assert not plans[(org["ben"], "digest")].skipped, "the cap is free for the digest"


def test_planner_channel_whose_processor_the_policy_removed_is_refused(make_runtime, org, tmp_path):
    policy_dir = tmp_path / "policy"
    shutil.copytree(DEFAULTS_DIR, policy_dir)
    processors = (policy_dir / "processors.yaml").read_text()
    start = processors.index("  email:\n")
    end = processors.index("  slack:\n")
    (policy_dir / "processors.yaml").write_text(processors[:start] + processors[end:])
    runtime = make_runtime(EMAIL, policy_dir=policy_dir)
    plan = _plans(runtime, MONDAY)[(org["ana"], "digest")]
    assert plan.channels == ["lms"], "e-mail is no longer a listed processor"


def test_planner_clicks_move_the_send_time_and_deliveries_do_not(make_runtime, org, db):
    runtime = make_runtime(EMAIL)
    intake = runtime.intake()
    tokyo = ZoneInfo("Asia/Tokyo")
    with db.connection() as conn:
        for back in range(1, 22):
            d = (MONDAY - timedelta(days=back)).date()
            clicked = datetime(d.year, d.month, d.day, 16, 10, tzinfo=BERLIN)
            events.record(
                conn,
                intake,
                what="clicked",
                learner_id=org["ana"],
                object_id="https://lms.example/activity/1",
                key=f"c{back}",
                at=clicked.astimezone(UTC),
                channel="email",
            )
            delivered = datetime(d.year, d.month, d.day, 13, 0, tzinfo=tokyo)
            events.record(
                conn,
                intake,
                what="delivered",
                learner_id=org["chris"],
                object_id="http://lw.test/delivery/messages/1",
                key=f"d{back}",
                at=delivered.astimezone(UTC),
                channel="email",
            )
    plans = _plans(runtime, MONDAY - timedelta(hours=2), dry_run=True)  # Monday in Tokyo
    ana = _plans(runtime, MONDAY, dry_run=True)[(org["ana"], "digest")]
    assert ana.timing == "sent at 16:05, when you usually learn"
    chris = plans[(org["chris"], "digest")]
    assert chris.send_at.astimezone(tokyo).hour == 9, "being written to is not learning"
