"""Pulling from another LRS (a local fake that checks what it is asked): every statement
once, checkpoints, and resuming after the puller is killed or fails mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from learnwire.adapters.xapi.pull import LrsClient, PullFailed, checkpoint_stream, pull
from learnwire.core.intake import IntakeGuard
from learnwire.core.store import checkpoints

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
fake_lrs = __import__("fake_lrs")
sys.path.pop(0)


def _pull(runtime, lrs, *, intake=None, page_size=40, **kw):
    client = LrsClient(lrs.url, key=fake_lrs.KEY, secret=fake_lrs.SECRET, page_size=page_size)
    return pull(
        runtime.db,
        intake or runtime.intake(),
        client,
        source="lrs",
        public_url=runtime.settings.public_url,
        **kw,
    )


def _stored_ids(db):
    with db.connection() as conn:
        return [r[0] for r in conn.execute("SELECT statement_id::text FROM learning_event")]


def test_pull_stores_every_statement_once_and_resumes_from_the_checkpoint(runtime, db):
    statements = fake_lrs.make_statements(230)
    with fake_lrs.FakeLrs(statements) as lrs:
        first = _pull(runtime, lrs)
        assert (first.stored, first.received, first.pages) == (230, 230, 6)
        again = _pull(runtime, lrs)
        assert again.stored == 0 and 0 < again.replayed <= 6
        later = fake_lrs.make_statements(250)[230:]
        for s in later:
            s["stored"] = s["stored"].replace("2026-03-01T08", "2026-03-01T09")
        lrs.statements += later
        third = _pull(runtime, lrs)
        assert third.stored == 20
        assert lrs.problems == []
        assert all(r["args"].get("ascending", "true") == "true" for r in lrs.requests)
    ids = _stored_ids(db)
    assert sorted(ids) == sorted(s["id"] for s in lrs.statements)
    with db.connection() as conn:
        saved = checkpoints.get(conn, "lrs", checkpoint_stream(lrs.url))
    assert saved == lrs.statements[-1]["stored"]


def test_pull_killed_mid_way_resumes_without_gaps_or_duplicates(
    runtime, db, database_url, tmp_path
):
    statements = fake_lrs.make_statements(400)
    env = {
        **os.environ,
        "LEARNWIRE_DATABASE_URL": database_url,
        "LEARNWIRE_DATA_DIR": str(tmp_path),
        "LEARNWIRE_PSEUDONYM_KEY": "test-pseudonym-key",
    }
    with fake_lrs.FakeLrs(statements) as lrs:
        command = [
            sys.executable,
            "-c",
            "from learnwire.core.cli import main; main()",
            "xapi",
            "pull",
            "--lrs",
            lrs.url,
            "--source",
            "lrs",
            "--page-size",
            "50",
            "--json",
        ]
        env_with_key = {
            **env,
            "LEARNWIRE_XAPI_PULL_KEY": fake_lrs.KEY,
            "LEARNWIRE_XAPI_PULL_SECRET": fake_lrs.SECRET,
        }
        process = subprocess.Popen(
            command, env=env_with_key, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

        def kill_on_fourth_page(number: int) -> None:
            if number == 4:
                os.kill(process.pid, signal.SIGKILL)
                time.sleep(0.5)

        lrs.on_request = kill_on_fourth_page
        process.wait(timeout=120)
        assert process.returncode == -signal.SIGKILL
        assert len(_stored_ids(db)) == 150, "three pages were stored before the kill"
        lrs.on_request = None
        resumed = subprocess.run(command, env=env_with_key, capture_output=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
        assert lrs.problems == []
    ids = _stored_ids(db)
    assert len(ids) == 400 and sorted(ids) == sorted(s["id"] for s in statements)


class _FailOnThirdBatch(IntakeGuard):
    def __init__(self):
        self.calls = 0

    def screen(self, conn, batch, *, source):
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("the database went away")
        return batch, []


def test_pull_failing_inside_a_page_rolls_that_page_back(runtime, db):
    statements = fake_lrs.make_statements(200)
    with fake_lrs.FakeLrs(statements) as lrs:
        with pytest.raises(RuntimeError):
            _pull(runtime, lrs, intake=runtime.intake(guards=[_FailOnThirdBatch()]))
        assert len(_stored_ids(db)) == 80
        with db.connection() as conn:
            assert (
                checkpoints.get(conn, "lrs", checkpoint_stream(lrs.url)) == statements[79]["stored"]
            )
        _pull(runtime, lrs)
    assert sorted(_stored_ids(db)) == sorted(s["id"] for s in statements)


def test_pull_since_skips_older_statements(runtime, db):
    statements = fake_lrs.make_statements(60)
    with fake_lrs.FakeLrs(statements) as lrs:
        since = statements[29]["stored"]
        report = _pull(runtime, lrs, since=since)
    # Same format throughout, so the strings order like the instants.
    assert report.stored == sum(1 for s in statements if s["stored"] > since) > 0


def test_pull_wrong_credentials_fail_with_a_clear_message(runtime, db):
    with fake_lrs.FakeLrs(fake_lrs.make_statements(3)) as lrs:
        client = LrsClient(lrs.url, key="someone", secret="wrong")
        with pytest.raises(PullFailed, match=r"401.*check --key/--secret"):
            pull(runtime.db, runtime.intake(), client, source="lrs", public_url="http://x")


def test_pull_skips_invalid_statements_and_reports_them(runtime, db):
    statements = fake_lrs.make_statements(10)
    statements[4]["verb"]["id"] = "not an iri"
    with fake_lrs.FakeLrs(statements) as lrs:
        report = _pull(runtime, lrs)
    assert report.stored == 9 and report.skipped == 1
    assert report.invalid[0]["id"] == statements[4]["id"]
    assert "verb.id" in report.invalid[0]["reason"]
