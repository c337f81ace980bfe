"""Reliability: a rerun, a second worker, or a worker killed mid-send never sends a message
twice (counted at the fake servers); a failing channel retries with backoff and never holds
up the others; every failure is recorded with its reason."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from learnwire.core.delivery import outbox
from learnwire.core.delivery.run import run

from ...conftest import fixture_module

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Berlin 15:00, New York 09:00
CLI = "from learnwire.core.cli import main; main()"


def _statuses(db):
    with db.connection() as conn:
        return Counter(
            (c, s) for c, s in conn.execute("SELECT channel, status FROM delivery_send").fetchall()
        )


def test_outbox_rerun_and_a_second_worker_send_nothing_twice(make_runtime, org, db):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        settings = {"email": smtp.settings()}
        workers = [make_runtime(settings), make_runtime(settings)]
        threads = [threading.Thread(target=run, args=(w,), kwargs={"at": AT}) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        run(workers[0], at=AT)
        run(workers[0], at=AT + timedelta(hours=1))
        recipients = Counter(m["rcpt"][0] for m in smtp.messages)
    assert recipients == {"ana@example.com": 1, "ben@example.com": 1}
    assert _statuses(db)[("email", "sent")] == 2
    with db.connection() as conn:
        (oldest,) = conn.execute("SELECT min(claimed_at) FROM delivery_send").fetchone()
    # Replaying 2026-11-23 still stamps claims with the real clock, which leases are judged by.
    assert oldest > datetime.now(UTC) - timedelta(hours=1)


def test_outbox_worker_killed_mid_send_is_never_resent(
    make_runtime, org, db, database_url, tmp_path
):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        smtp.hold_after(1)  # the first message goes through, the second hangs mid-DATA
        runtime = make_runtime({"email": smtp.settings()})
        env = {
            **os.environ,
            "LEARNWIRE_DATABASE_URL": database_url,
            "LEARNWIRE_DATA_DIR": str(tmp_path / "worker"),
            "LEARNWIRE_PSEUDONYM_KEY": runtime.settings.pseudonym_key.get_secret_value(),
            "LEARNWIRE_SECRET_KEY": runtime.settings.secret_key.get_secret_value(),
            "LEARNWIRE_PUBLIC_URL": "http://lw.test",
            "LEARNWIRE_PLUGINS__EMAIL": json.dumps(smtp.settings()),
        }
        env.pop("LEARNWIRE_REDIS_URL", None)
        worker = subprocess.Popen(
            [sys.executable, "-c", CLI, "delivery", "run", "--at", AT.isoformat()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        held = smtp.holding.wait(120)
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)
        assert held, worker.stderr.read().decode()[-2000:]
        smtp.hold_from = None
        smtp.release.set()
        assert len(smtp.messages) == 1
        # The rerun comes after the claim's lease: the interrupted send is reported, not resent.
        rerun = make_runtime({"email": smtp.settings(), "delivery": {"claim_lease_seconds": 0.001}})
        report = run(rerun, at=AT)
        run(rerun, at=AT + timedelta(minutes=5))
        recipients = Counter(m["rcpt"][0] for m in smtp.messages)
    assert report.expired == 1
    assert sum(recipients.values()) == 1 and set(recipients.values()) == {1}
    statuses = _statuses(db)
    assert statuses[("email", "sent")] == 1 and statuses[("email", "unconfirmed")] == 1
    with db.connection() as conn:
        problems = outbox.status(conn)["problems"]
    assert any("not resent" in p["reason"] for p in problems)


def test_outbox_failing_channel_retries_with_backoff_and_never_blocks_others(make_runtime, org, db):
    chat = fixture_module("fake_chat")
    smtp_module = fixture_module("fake_smtp")
    cadence = {"digest": {"email": "daily", "slack": "daily"}, "nudge": {"email": "immediate"}}
    with smtp_module.FakeSmtp() as smtp, chat.FakeSlack() as slack:
        slack.fail_with = (503, None)
        runtime = make_runtime(
            {
                "email": smtp.settings(),
                "slack": slack.settings(),
                "lms": {"enabled": False},
                "delivery": {"default_cadence": cadence, "retry_base_seconds": 60},
            }
        )
        first = run(runtime, at=AT)
        assert first.results["retry"] == 1 and len(smtp.messages) == 2
        with db.connection() as conn:
            row = conn.execute(
                "SELECT attempts, next_attempt_at, reason FROM delivery_send "
                "WHERE channel = 'slack'"
            ).fetchone()
        assert row[0] == 1 and row[1] == AT + timedelta(seconds=60)
        assert "HTTP 503" in row[2]
        assert run(runtime, at=AT + timedelta(seconds=30)).dispatched == 0, "still backing off"
        slack.fail_with = None
        later = run(runtime, at=AT + timedelta(seconds=61))
        assert later.results["sent"] == 1 and len(slack.received) == 1
    assert len(smtp.messages) == 2, "e-mail was not sent again"


def test_outbox_gives_up_after_max_attempts_and_records_why(make_runtime, org, db):
    chat = fixture_module("fake_chat")
    with chat.FakeTeamsWorkflow() as teams:
        teams.fail_with = (502, None)
        runtime = make_runtime(
            {
                "teams": {"webhook_url": teams.url()},
                "lms": {"enabled": False},
                "delivery": {
                    "default_cadence": {"digest": {"teams": "daily"}},
                    "max_attempts": 2,
                    "retry_base_seconds": 10,
                },
            }
        )
        run(runtime, at=AT)
        run(runtime, at=AT + timedelta(seconds=11))
        assert run(runtime, at=AT + timedelta(hours=1)).dispatched == 0
    with db.connection() as conn:
        [problem] = outbox.status(conn)["problems"]
    assert problem["status"] == "failed" and problem["count"] == 2  # Ana's and Ben's digests
    assert "HTTP 502" in problem["reason"] and "sig" not in problem["reason"]


def test_outbox_celery_worker_killed_mid_send_and_a_new_one_send_nothing_twice(
    make_runtime, org, db, database_url, tmp_path, redis_url, redis_client
):
    smtp_module = fixture_module("fake_smtp")
    learnwire = os.path.join(os.path.dirname(sys.executable), "learnwire")
    with smtp_module.FakeSmtp() as smtp:
        smtp.hold_after(1)
        runtime = make_runtime({"email": smtp.settings()}, redis_url=redis_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
        env.update(
            LEARNWIRE_DATABASE_URL=database_url,
            LEARNWIRE_REDIS_URL=redis_url,
            LEARNWIRE_DATA_DIR=str(tmp_path / "worker"),
            LEARNWIRE_PSEUDONYM_KEY=runtime.settings.pseudonym_key.get_secret_value(),
            LEARNWIRE_SECRET_KEY=runtime.settings.secret_key.get_secret_value(),
            LEARNWIRE_PUBLIC_URL="http://lw.test",
            LEARNWIRE_PLUGINS__EMAIL=json.dumps(smtp.settings()),
        )

        log = tmp_path / "workers.log"

        def worker(name: str) -> subprocess.Popen:
            with log.open("a") as out:
                return subprocess.Popen(
                    [learnwire, "worker", "--", "--pool=solo", "-n", f"{name}@%h"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )

        first = worker("first")
        try:
            report = run(runtime, at=AT)  # plans, then queues each due send to the broker
            assert report.results["queued to workers"] == 4
            assert smtp.holding.wait(120), log.read_text()[-3000:]
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(30)
        smtp.hold_from = None
        smtp.release.set()
        second = worker("second")
        try:
            # The broker still holds what the dead worker had not taken; the rerun queues
            # the waiting sends again. Claims decide: each goes out once.
            later = make_runtime(
                {"email": smtp.settings(), "delivery": {"claim_lease_seconds": 0.001}},
                redis_url=redis_url,
            )
            run(later, at=AT)
            deadline = datetime.now(UTC) + timedelta(seconds=120)
            while datetime.now(UTC) < deadline:
                with db.connection() as conn:
                    open_sends = conn.execute(
                        "SELECT count(*) FROM delivery_send WHERE status IN "
                        "('pending', 'retry', 'sending')"
                    ).fetchone()[0]
                if not open_sends:
                    break
                threading.Event().wait(0.3)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(60)
        recipients = Counter(m["rcpt"][0] for m in smtp.messages)
    assert set(recipients.values()) == {1}, recipients
    statuses = _statuses(db)
    assert statuses[("email", "sent")] + statuses[("email", "unconfirmed")] == 2
    assert statuses[("lms", "sent")] == 2
    assert sum(recipients.values()) == statuses[("email", "sent")]
