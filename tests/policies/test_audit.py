"""The audit log is append-only and its hash chain exposes any change, removal or insert."""

from __future__ import annotations

import psycopg
import pytest

from learnwire.policies import audit
from learnwire.policies.access import Subject

OFFICER = Subject.compliance("ana")


def _fill(db, engine, n=4):
    with db.connection() as conn:
        for i in range(n):
            engine.record(conn, OFFICER, "test:write", "done", detail={"i": i, "x": [1, "a"]})


def test_audit_chain_verifies_and_refuses_update_and_delete(db, engine):
    _fill(db, engine)
    with db.connection() as conn:
        assert audit.verify(conn).as_dict() == {
            "ok": True,
            "entries": 4,
            "first_bad_id": None,
            "reason": "",
        }
    for statement in (
        "UPDATE policy_audit SET actor = 'x' WHERE id = 2",
        "DELETE FROM policy_audit WHERE id = 4",
    ):
        with (
            db.connection() as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
        ):
            conn.execute(statement)


@pytest.mark.parametrize(
    "tamper, bad_id, reason",
    [
        (
            'UPDATE policy_audit SET detail = \'{"i": 9, "x": [1, "a"]}\' WHERE id = 2',
            2,
            "content changed",
        ),
        ("DELETE FROM policy_audit WHERE id = 3", 4, "missing"),
        (
            "INSERT INTO policy_audit SELECT 5, at, actor, action, outcome, purpose, "
            "subject_hash, detail, prev_hash, md5(hash) || md5(hash) "
            "FROM policy_audit WHERE id = 4",
            5,
            "prev_hash",
        ),
    ],
)
def test_audit_verify_finds_tampering_done_behind_the_trigger(db, engine, tamper, bad_id, reason):
    _fill(db, engine)
    with db.connection() as conn:
        # Someone with owner rights can switch the trigger off; the chain still tells.
        conn.execute("ALTER TABLE policy_audit DISABLE TRIGGER policy_audit_append_only")
        conn.execute(tamper)
        conn.execute("ALTER TABLE policy_audit ENABLE TRIGGER policy_audit_append_only")
    with db.connection() as conn:
        result = audit.verify(conn)
    assert not result.ok and result.first_bad_id == bad_id and reason in result.reason


def test_audit_people_appear_only_as_keyed_hashes(db, engine, make_org):
    with db.connection() as conn:
        learner = make_org(conn).learner()
        engine.record(conn, Subject.learner(learner), "consent:opt_out", "done", learner_id=learner)
        [entry] = audit.recent(conn)
        raw = conn.execute("SELECT r::text FROM policy_audit r").fetchone()[0]
    assert str(learner) not in raw
    assert entry.subject_hash == engine.audit.subject_hash(learner)
    assert entry.actor.startswith("learner:") and str(learner) not in entry.actor
