"""``learnwire delivery run --dry-run | preview | status`` as an operator uses them."""

from __future__ import annotations

import json

from click.testing import CliRunner

from learnwire.core.cli.root import LearnwireGroup

from ...conftest import fixture_module

AT = "2026-11-23T14:00:00Z"  # Berlin 15:00, New York 09:00, Tokyo 23:00


def _cli(runtime):
    root = LearnwireGroup("learnwire")
    runtime.pm.call_each("register_commands", cli=root)
    assert "delivery" in root.commands, "the delivery plugin mounts its commands"
    return lambda *args: CliRunner().invoke(root, list(args), obj=runtime, catch_exceptions=False)


def test_cli_dry_run_says_who_gets_what_when_and_why_and_sends_nothing(make_runtime, org, db):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        cli = _cli(make_runtime({"email": smtp.settings()}))
        done = cli("delivery", "run", "--at", AT, "--dry-run")
        assert smtp.messages == []
    assert done.exit_code == 0, done.output
    assert "frequency cap: 1 message(s) a day" in done.output
    assert "no hour left today outside quiet hours" in done.output
    assert "email,lms" in done.output and "we will learn which time suits you" in done.output
    as_json = json.loads(cli("delivery", "run", "--at", AT, "--dry-run", "--json").output)
    kinds = {(p["learner_id"], p["kind"]): p for p in as_json["plans"]}
    assert kinds[(str(org["ben"]), "nudge")]["situation"] == "presentation"
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM delivery_outbox").fetchone()[0] == 0


def test_cli_preview_renders_without_storing_and_status_counts(make_runtime, org, db):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        cli = _cli(make_runtime({"email": smtp.settings(), "slack": {"bot_token": "xoxb-1"}}))
        preview = cli("delivery", "preview", str(org["ana"]), "--at", AT)
        assert preview.exit_code == 0, preview.output
        assert preview.output.startswith("Subject: Your 3 learning picks for today.")
        assert preview.output.count("Open: http://lw.test/delivery/c/") == 3
        unknown = cli("delivery", "preview", str(org["ana"]), "--channel", "pigeon")
        assert unknown.exit_code == 2
        assert "no channel 'pigeon' (channels: email, lms, slack)" in unknown.output
        with db.connection() as conn:
            assert conn.execute("SELECT count(*) FROM delivery_item").fetchone()[0] == 0
        cli("delivery", "run", "--at", AT)
        status = cli("delivery", "status")
        as_json = json.loads(cli("delivery", "status", "--json").output)
    assert "2 messages in the outbox" in status.output
    sent = {(r["channel"], r["status"]): r["count"] for r in as_json["sends"]}
    assert sent == {("email", "sent"): 2, ("lms", "sent"): 2}


def test_beat_schedules_delivery_run_and_workers_know_the_send_task(make_runtime, org):
    from learnwire.core.worker import make_celery

    runtime = make_runtime({"delivery": {"run_every_seconds": 120}})
    periodic = runtime.collect("register_periodic_tasks")
    [task] = [t for t in periodic if t.name == "delivery.run"]
    app = make_celery(runtime.settings, periodic)
    assert app.conf.beat_schedule["delivery.run"]["schedule"] == 120
    assert "learnwire.delivery.send" in app.tasks
    # Without a broker the scheduled run plans and sends in its own process and runtime.
    report = task.run(runtime.settings)
    assert set(report) >= {"planned", "queued", "skipped", "dispatched", "results"}


def test_organisation_templates_replace_the_shipped_ones(make_runtime, org, db, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "digest.subject.txt").write_text("Learning at Acme: {{ items|length }} for you")
    (templates / "digest.txt").write_text(
        "{% for item in items %}* {{ item.title }} — {{ item.reason }}\n{% endfor %}"
    )
    cli = _cli(make_runtime({"delivery": {"templates_dir": str(templates)}}))
    preview = cli("delivery", "preview", str(org["ana"]), "--channel", "lms", "--at", AT)
    assert preview.output.startswith("Subject: Learning at Acme: 3 for you")
    assert preview.output.count("\n* ") == 3
    html = cli("delivery", "preview", str(org["ana"]), "--channel", "lms", "--html", "--at", AT)
    assert "<ol>" in html.output, "templates not overridden are the shipped ones"


def test_cli_schedule_sets_the_persons_own_quiet_hours(make_runtime, org, db):
    cli = _cli(make_runtime())
    done = cli("delivery", "schedule", str(org["ana"]), "--quiet", "19-8", "--working-days", "0,2")
    assert done.exit_code == 0, done.output
    with db.connection() as conn:
        row = conn.execute(
            "SELECT quiet_from, quiet_to, working_days FROM delivery_schedule "
            "WHERE learner_id = %s",
            (org["ana"],),
        ).fetchone()
    assert row == (19, 8, [0, 2])
    bad = cli("delivery", "schedule", str(org["ana"]), "--quiet", "19-25")
    assert bad.exit_code == 2 and "quiet_to is an hour from 0 to 23" in bad.output
