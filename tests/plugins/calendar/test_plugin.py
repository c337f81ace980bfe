"""The calendar plugin as the host sees it: entry point, settings from the environment,
registered source and periodic sync, and the ``learnwire calendar classify`` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from learnwire.core.config import Settings
from learnwire.core.periodic import PeriodicTask
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.sources import SignalSource
from learnwire.plugins.calendar.settings import CalendarSettings
from learnwire.plugins.calendar.source import CalendarSource


def _configured(settings: Settings, feed_url: str) -> Settings:
    return settings.model_copy(
        update={
            "plugins": {
                "calendar": {
                    "feeds": [{"name": "alice", "url": feed_url, "owner": "alice@example.com"}],
                    "sync_interval_seconds": 600,
                }
            }
        }
    )


def test_calendar_plugin_registers_nothing_until_configured(settings: Settings) -> None:
    pm = get_plugin_manager(settings)
    assert "calendar" in [i.name for i in pm.plugin_list() if i.status == "loaded"]
    assert not [
        s for s in pm.collect("register_signal_sources", settings=settings) if s.name == "calendar"
    ]
    assert not [
        t
        for t in pm.collect("register_periodic_tasks", settings=settings)
        if t.name == "sync.calendar"
    ]


def test_calendar_plugin_reads_its_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    feeds = [{"name": "team", "url": "webcal://cal.example.com/team.ics"}]
    monkeypatch.setenv("LEARNWIRE_PLUGINS__CALENDAR__FEEDS", json.dumps(feeds))
    monkeypatch.setenv("LEARNWIRE_PLUGINS__CALENDAR__ORG_DOMAINS", "example.com, Example.org")
    monkeypatch.setenv("LEARNWIRE_PLUGINS__CALENDAR__WINDOW_DAYS", "7")
    from_env = Settings(database_url=settings.database_url, data_dir=settings.data_dir)

    config = from_env.plugin_settings("calendar", CalendarSettings)

    assert config.feeds[0].url == "https://cal.example.com/team.ics"
    assert config.org_domains == ["example.com", "example.org"]
    assert config.window_days == 7
    pm = get_plugin_manager(from_env)
    [source] = [
        s
        for s in pm.collect("register_signal_sources", settings=from_env, expect=SignalSource)
        if s.name == "calendar"
    ]
    assert isinstance(source, CalendarSource)
    assert source.categories == frozenset({"calendar"})


def test_calendar_settings_explain_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="set org_domains"):
        CalendarSettings.model_validate({"feeds": [{"name": "team", "url": "https://x/t.ics"}]})
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        CalendarSettings.model_validate({"default_timezone": "Mars/Olympus"})
    with pytest.raises(ValidationError, match="must be unique"):
        CalendarSettings.model_validate(
            {"feeds": [{"name": "a", "url": "https://x/1.ics", "owner": "a@x"}] * 2}
        )


def test_calendar_periodic_sync_runs_through_the_store(runtime: Runtime, feed_server, ical) -> None:  # type: ignore[no-untyped-def]
    # The task runs on the real clock: the planning meeting is the day after tomorrow.
    start = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%dT100000")
    feed_server.serve(
        "/a.ics",
        ical.calendar(ical.event("p@t", "Quarterly planning", start, tz="Z", minutes=90)).encode(),
    )
    configured = _configured(runtime.settings, feed_server.url + "/a.ics")
    pm = get_plugin_manager(configured)
    [task] = [
        t
        for t in pm.collect("register_periodic_tasks", settings=configured, expect=PeriodicTask)
        if t.name == "sync.calendar"
    ]
    assert task.every_seconds == 600

    result = task.run(configured)

    [report] = result["reports"]
    assert report["source"] == "calendar" and report["error"] is None
    assert report["counts"]["calendar"]["new"] == 1
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT situation FROM calendar_signal").fetchall() == [
            ("planning_review",)
        ]


def test_calendar_classify_command_shows_situation_and_reasons(runtime: Runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from learnwire.core.cli.root import cli
    from learnwire.plugins.calendar.cli import calendar

    cli.add_command(calendar)
    runner = CliRunner()
    done = runner.invoke(
        cli,
        ["calendar", "classify", "Weekly sync", "--attendees", "2", "--recurring", "--json"],
        obj=runtime,
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["situation"] == "one_to_one"
    assert any("recurring=True" in r for r in data["reasons"])

    extension = tmp_path / "words.yaml"
    extension.write_text("situations:\n  standup_review:\n    keywords: {'\\bsync\\b': 3}\n")
    done = runner.invoke(
        cli, ["calendar", "classify", "Weekly sync", "--vocabulary", str(extension)], obj=runtime
    )
    assert done.exit_code == 0, done.output
    assert "situation: standup_review" in done.output


def test_calendar_passwords_are_masked_in_config_show(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    accounts = [{"name": "bob", "url": "https://dav.example.com/", "password": "hunter2"}]
    monkeypatch.setenv("LEARNWIRE_PLUGINS__CALENDAR__CALDAV", json.dumps(accounts))
    monkeypatch.setenv(
        "LEARNWIRE_PLUGINS__CALENDAR__FEEDS",
        json.dumps([{"name": "a", "url": "https://user:pa55@cal.example.com/a.ics"}]),
    )
    shown = json.dumps(Settings(data_dir=settings.data_dir).masked())
    assert "hunter2" not in shown and "pa55" not in shown
    assert "https://dav.example.com/" in shown  # the rest stays readable
