"""Stored outcome reports: what a snapshot holds, the scheduled refresh, the sweep, and
``learnwire outcomes report --cached``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from learnwire.core.cli import cli
from learnwire.core.governance import Subject
from learnwire.core.measure.refresh import compute_snapshot, read_current
from learnwire.core.measure.snapshots import ReportKey, load, sweep

VIEWER = Subject("ld_admin", "test")


def _tasks(runtime):
    return {t.name: t for t in runtime.collect("register_periodic_tasks")}


def test_snapshot_holds_the_report_and_nothing_per_person(runtime, outcomes_org, org_module):
    key = ReportKey.fixed(
        org_module.START, org_module.START + timedelta(days=90), period="month", role=None
    )
    at = org_module.START + timedelta(days=91)
    made = compute_snapshot(runtime.db, runtime.governance, key, now=at)
    assert made is not None and made.report.people == 10
    with runtime.db.connection() as conn:
        [(text, category, source, version)] = conn.execute(
            "SELECT report::text, data_category::text, source, policy_version "
            "FROM outcome_report_snapshot"
        ).fetchall()
        learners = [str(r[0]) for r in conn.execute("SELECT id FROM learner")]
        stored = load(conn, key)
        served = read_current(conn, runtime.governance, VIEWER, key)
    assert category == "derived" and source == "outcome_report"
    assert version == runtime.governance.policy_version
    assert not [lid for lid in learners if lid in text]  # no learner id anywhere in it
    assert "learner_id" not in text
    assert stored is not None and stored.computed_at == at
    assert stored.report == made.report
    assert served is not None and served.report.organisation == made.report.organisation
    assert json.loads(text)["people"] == 10


def test_scheduled_refresh_stores_the_default_report_and_old_rolling_ones(
    runtime, outcomes_org, org_module
):
    weekly, fixed = (
        ReportKey(period="week"),
        ReportKey.fixed(
            org_module.START, org_module.START + timedelta(days=30), period="month", role=None
        ),
    )
    seven_hours_ago = datetime.now(UTC) - timedelta(hours=7)
    for key in (weekly, fixed):
        compute_snapshot(runtime.db, runtime.governance, key, now=seven_hours_ago)
    tasks = _tasks(runtime)
    assert tasks["outcomes.report_refresh"].every_seconds == 6 * 3600
    done = tasks["outcomes.report_refresh"].run(runtime.settings, runtime=runtime)
    assert done["stored"] == 2 and done["reports"][0]["people"] == 10
    assert [r["report"] for r in done["reports"]] == [ReportKey().text, weekly.text]
    with runtime.db.connection() as conn:
        assert load(conn, weekly).computed_at > seven_hours_ago
        assert load(conn, fixed).computed_at == seven_hours_ago  # asked for, not rolling
    with runtime.db.connection() as conn:
        snapshot = read_current(conn, runtime.governance, VIEWER, ReportKey())
    assert snapshot is not None
    assert snapshot.report.until - snapshot.report.since == timedelta(days=90)


def test_refresh_interval_and_retention_are_configurable(runtime):
    runtime.settings.plugins["outcomes"] = {"refresh_every_seconds": 600, "keep_days": 2}
    tasks = _tasks(runtime)
    assert tasks["outcomes.report_refresh"].every_seconds == 600


def test_sweep_deletes_old_snapshots_only(runtime, outcomes_org):
    old, recent = ReportKey(period="week"), ReportKey()
    for key in (old, recent):
        assert compute_snapshot(runtime.db, runtime.governance, key) is not None
    with runtime.db.connection() as conn:
        conn.execute(
            "UPDATE outcome_report_snapshot SET computed_at = %s WHERE report_key = %s",
            (datetime.now(UTC) - timedelta(days=31), old.text),
        )
    runtime.settings.plugins["outcomes"] = {"keep_days": 30}
    done = _tasks(runtime)["outcomes.snapshot_sweep"].run(runtime.settings, runtime=runtime)
    assert done == {"deleted": 1}
    with runtime.db.connection() as conn:
        assert load(conn, old) is None and load(conn, recent) is not None
        assert sweep(conn, 30) == 0


def test_cli_cached_prints_the_snapshot_and_says_when_there_is_none(runtime, outcomes_org):
    missing = CliRunner().invoke(cli, ["outcomes", "report", "--cached"], obj=runtime)
    assert missing.exit_code == 1 and "no stored report" in missing.output
    made = compute_snapshot(runtime.db, runtime.governance, ReportKey())
    assert made is not None
    shown = CliRunner().invoke(cli, ["outcomes", "report", "--cached", "--json"], obj=runtime)
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert datetime.fromisoformat(body["generated_at"]) == made.computed_at
    assert body["people"] == 10
    human = CliRunner().invoke(cli, ["outcomes", "report", "--cached"], obj=runtime)
    assert f"computed {made.computed_at:%Y-%m-%d %H:%M} UTC" in human.output
