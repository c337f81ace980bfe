"""Erasure leaves no row naming the person in any table (including tables added later),
removes them from Redis caches and queued tasks, keeps others intact; export writes all."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from learnwire import hookimpl
from learnwire.core.errors import NotFound
from learnwire.core.personal_data import PersonalDataHolder
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.policies import audit, erasure
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out
from learnwire.policies.engine import AccessDenied
from learnwire.policies.export_document import render_html

OFFICER = Subject.compliance("test-officer")


@pytest.fixture
def later_table(db):
    """A table another part of learnwire might add: found by its learner_id column."""
    with db.connection() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS test_later_table (learner_id uuid, note text, also jsonb)"
        )
    yield "test_later_table"
    with db.connection() as conn:
        conn.execute("DROP TABLE IF EXISTS test_later_table")


@hsettings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=st.integers(1, 4),
    events=st.integers(0, 6),
    with_conflict=st.booleans(),
    opt_out=st.booleans(),
)
def test_erasure_leaves_zero_rows_with_the_persons_identifiers(
    db, engine, make_org, wipe_db, later_table, people, events, with_conflict, opt_out
):
    wipe_db()
    with db.connection() as conn:
        org = make_org(conn)
        learners = [org.learner() for _ in range(people + 1)]
        target, others = learners[0], learners[1:]
        for learner in learners:
            for i in range(events):
                org.event(
                    learner, category=["behavioural", "assessment"][i % 2], days_ago=i, score=0.5
                )
            org.fact(learner)
            org.calendar(learner)
            org.member(learner, "team")
        if with_conflict:
            org.conflict(target, others[0])
        if opt_out:
            set_opt_out(conn, engine, target, "calendar", by=Subject.learner(target))
        conn.execute(
            "INSERT INTO test_later_table VALUES (%s, 'x', %s)",
            (target, json.dumps({"who": str(target)})),
        )
        needles = erasure.identifiers(conn, target)
        before_others = conn.execute(
            "SELECT count(*) FROM learning_event WHERE learner_id <> %s", (target,)
        ).fetchone()[0]
    with db.connection() as conn:
        report = erasure.erase(conn, engine, target, by=OFFICER)
    assert report.verified, report.remaining
    with db.connection() as conn:
        remaining, scanned = erasure.scan(conn, needles)
        after_others = conn.execute("SELECT count(*) FROM learning_event").fetchone()[0]
        learners_left = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
        entry = audit.recent(conn)[0]
    assert remaining == {} and scanned >= 10
    assert after_others == before_others and learners_left == people
    assert report.deleted["test_later_table"] == 1 and report.deleted["learner"] == 1
    assert entry.action == "erase:learner_data" and entry.outcome == "done"
    with db.connection() as conn:
        assert engine.audit.verify(conn).ok


def test_erasure_removes_cached_values_and_queued_tasks_from_redis(
    db, engine, make_org, redis_client, redis_url, settings
):
    from learnwire.core.config import Settings
    from learnwire.core.worker import make_celery

    with db.connection() as conn:
        target, other = make_org(conn).learner(), make_org(conn).learner()
    redis_client.set(f"learnwire:recs:{target}", "[]")
    redis_client.set("learnwire:recs:other", json.dumps({"learner": str(other)}))
    redis_client.hset("learnwire:mastery", str(target), "0.4")
    redis_client.hset("learnwire:mastery", str(other), "0.6")
    celery = make_celery(Settings(**{**settings.model_dump(), "redis_url": redis_url}))
    celery.send_task("learnwire.recommend", args=[str(target)])
    celery.send_task("learnwire.recommend", args=[str(other)])
    assert redis_client.llen("celery") == 2
    with db.connection() as conn:
        report = erasure.erase(conn, engine, target, by=OFFICER, redis_client=redis_client)
    assert report.redis["keys_deleted"] == 1 and report.redis["items_removed"] == 2
    assert redis_client.exists(f"learnwire:recs:{target}") == 0
    assert redis_client.exists("learnwire:recs:other") == 1
    assert redis_client.hkeys("learnwire:mastery") == [str(other).encode()]
    [left] = redis_client.lrange("celery", 0, -1)
    body = erasure_body(left)
    assert str(other) in body and str(target) not in body


def erasure_body(raw: bytes) -> str:
    import base64

    message = json.loads(raw)
    return base64.b64decode(message["body"]).decode()


def test_erasure_needs_the_right_role_and_an_existing_learner(db, engine, make_org):
    with db.connection() as conn:
        target = make_org(conn).learner()
    with db.connection() as conn, pytest.raises(AccessDenied):
        erasure.erase(conn, engine, target, by=Subject.service("ranker"))
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 1
        assert audit.recent(conn)[0].outcome == "denied"
        with pytest.raises(NotFound):
            erasure.erase(conn, engine, uuid.uuid4(), by=OFFICER)


def test_erasure_export_writes_every_table_holding_the_person(db, engine, make_org, later_table):
    with db.connection() as conn:
        org = make_org(conn)
        target, other = org.learner(), org.learner()
        org.event(target, score=0.7, category="assessment")
        org.fact(target)
        org.calendar(target)
        org.member(target, "team")
        org.event(other)
        conn.execute("INSERT INTO test_later_table VALUES (%s, 'note', NULL)", (target,))
        data = erasure.export(conn, engine, target, by=Subject.learner(target))
    assert data["learner"]["id"] == str(target)
    assert {name: len(rows) for name, rows in data["tables"].items()} == {
        "calendar_signal": 1,
        "hr_fact": 1,
        "identity_link": 1,
        "learning_event": 1,
        "team_membership": 1,
        "test_later_table": 1,
    }
    assert str(other) not in json.dumps(data)
    assert data["audit"] == [], "nothing was recorded about the person before this export"
    with db.connection() as conn:
        erasure.export(conn, engine, target, by=OFFICER)
        again = erasure.export(conn, engine, target, by=Subject.learner(target))
    assert ("compliance_officer:test-officer", "export:learner_data", "done") in [
        (e["by"], e["action"], e["outcome"]) for e in again["audit"]
    ], "who accessed the person's data is part of what is held about them"


class _Notes(PersonalDataHolder):
    """A plugin's own table naming people by identifier hash, without a learner_id column;
    fails its first ``fail_first`` erasures (a holder with a transient fault)."""

    name = "notes"

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first

    def export(self, conn, person):
        rows = conn.execute(
            "SELECT note FROM test_notes WHERE about = ANY(%s)", (list(person.identifier_hashes),)
        ).fetchall()
        return {"notes": [{"note": r[0]} for r in rows]} if rows else {}

    def erase(self, conn, person):
        if self.fail_first:
            self.fail_first -= 1
            raise RuntimeError("notes store unavailable")
        gone = conn.execute(
            "DELETE FROM test_notes WHERE about = ANY(%s)", (list(person.identifier_hashes),)
        ).rowcount
        return {"notes": gone} if gone else {}

    def remaining(self, conn, person):
        (left,) = conn.execute(
            "SELECT count(*) FROM test_notes WHERE about = ANY(%s)",
            (list(person.identifier_hashes),),
        ).fetchone()
        return {"notes": left} if left else {}


@pytest.fixture
def notes_table(db):
    with db.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS test_notes (about text, note text)")
    yield "test_notes"
    with db.connection() as conn:
        conn.execute("DROP TABLE IF EXISTS test_notes")


def _runtime_with(settings, db, holder):
    class Plugin:
        @hookimpl
        def register_personal_data(self, settings):
            return [holder]

    pm = get_plugin_manager(settings, load_entry_points=False, extra_plugins=[("p", Plugin())])
    return Runtime(settings, pm=pm, db=db)


def _noted(db, make_org):
    with db.connection() as conn:
        target, other = make_org(conn).learner(), make_org(conn).learner()
        for learner, note in ((target, "asked about coaching"), (other, "kept")):
            [hash_] = erasure.identifiers(conn, learner)[1:]
            conn.execute("INSERT INTO test_notes VALUES (%s, %s)", (hash_, note))
    return target, other


def test_hook_register_personal_data(settings, db, engine, make_org, notes_table):
    runtime = _runtime_with(settings, db, _Notes())
    holders = erasure.holders_of(runtime)
    assert [h.name for h in holders] == ["notes"]
    target, _ = _noted(db, make_org)
    with db.connection() as conn:
        data = erasure.export(conn, engine, target, by=OFFICER, holders=holders)
        report = erasure.erase(conn, engine, target, by=OFFICER, holders=holders)
    assert data["held_by"] == {"notes": {"notes": [{"note": "asked about coaching"}]}}
    assert report.verified and report.redacted == {"notes.notes": 1}
    with db.connection() as conn:
        assert conn.execute("SELECT note FROM test_notes").fetchall() == [("kept",)]


def test_erasure_that_did_not_verify_is_finished_by_running_it_again(
    settings, db, engine, make_org, notes_table
):
    holders = erasure.holders_of(_runtime_with(settings, db, _Notes(fail_first=1)))
    target, _ = _noted(db, make_org)
    with db.connection() as conn:
        first = erasure.erase(conn, engine, target, by=OFFICER, holders=holders)
    assert not first.verified and first.errors == {"notes": "erase failed (RuntimeError)"}
    assert first.remaining == {"test_notes": 1, "notes.notes": 1}
    with db.connection() as conn:
        assert (
            conn.execute("SELECT count(*) FROM learner WHERE id = %s", (target,)).fetchone()[0] == 0
        ), "what could be erased is erased"
        assert conn.execute("SELECT count(*) FROM policy_erasure_pending").fetchone()[0] == 1
        second = erasure.erase(conn, engine, target, by=OFFICER, holders=holders)
    assert second.state == "finished" and second.verified, second.as_dict()
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM policy_erasure_pending").fetchone()[0] == 0
        third = erasure.erase(conn, engine, target, by=OFFICER, holders=holders)
        outcomes = [
            e.outcome
            for e in audit.recent(conn)
            if e.action == "erase:learner_data" and e.outcome != "allowed"
        ]
    assert third.state == "already_erased" and third.verified and third.redacted == {}
    assert outcomes == ["done", "done", "incomplete"]
    with db.connection() as conn:
        assert engine.audit.verify(conn).ok


def test_erasure_export_reads_as_a_page_with_every_section_escaped(
    settings, db, engine, make_org, notes_table
):
    holders = erasure.holders_of(_runtime_with(settings, db, _Notes()))
    target, _ = _noted(db, make_org)
    with db.connection() as conn:
        make_org(conn).event(target, score=0.7, category="assessment")
        conn.execute(
            "UPDATE test_notes SET note = '<script>alert(1)</script>' WHERE note <> 'kept'"
        )
        data = erasure.export(conn, engine, target, by=OFFICER, holders=holders)
    page = render_html(data)
    assert page.startswith("<!doctype html>") and str(target) in page
    for section in ("learner", "identity_link", "learning_event", "notes.notes"):
        assert f'<h2 id="{section}">' in page
    assert "What you did in learning systems" in page, "sections are explained in words"
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
