"""The audit log is append-only and tamper-evident without trusting the database: entries
carry a keyed MAC (key outside PostgreSQL) and a checkpoint file outside PostgreSQL records
the entry count and head, so rewriting, inserting, removing or truncating is found
(finding 1.3), and ``audit verify`` names the entry that breaks and why."""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest

from learnwire.policies import audit
from learnwire.policies.access import Subject
from learnwire.policies.audit_checkpoint import CheckpointFile

OFFICER = Subject.compliance("ana")


def _fill(db, engine, n=4, *, verify=True):
    for i in range(n):
        # One transaction per entry, as requests write them.
        with db.connection() as conn:
            engine.record(conn, OFFICER, "test:write", "done", detail={"i": i, "x": [1, "a"]})
    if verify:  # the operator's routine check moves the checkpoint to the head
        with db.connection() as conn:
            assert engine.audit.verify(conn).ok


def _behind_the_trigger(db, *statements):
    """What a database owner can do: switch the append-only trigger off and edit."""
    with db.connection() as conn:
        conn.execute("ALTER TABLE policy_audit DISABLE TRIGGER policy_audit_append_only")
        for statement in statements:
            conn.execute(statement)
        conn.execute("ALTER TABLE policy_audit ENABLE TRIGGER policy_audit_append_only")


def _verify(db, engine):
    with db.connection() as conn:
        return engine.audit.verify(conn)


def test_audit_chain_verifies_and_refuses_update_and_delete(db, engine):
    _fill(db, engine)
    result = _verify(db, engine)
    assert (result.ok, result.entries, result.first_bad_id, result.keyed_from) == (True, 4, None, 1)
    assert result.checkpoint["entries"] == 4
    for statement in (
        "UPDATE policy_audit SET actor = 'x' WHERE id = 2",
        "DELETE FROM policy_audit WHERE id = 4",
    ):
        with (
            db.connection() as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
        ):
            conn.execute(statement)


def _sha256_chain_from(db, first: int) -> list[str]:
    """Rewrite every hash from entry ``first`` on the way an unkeyed chain allowed."""
    with db.connection() as conn:
        rows = [
            audit.AuditEntry(*r)
            for r in conn.execute(f"SELECT {audit._COLUMNS} FROM policy_audit ORDER BY id")
        ]
    statements, prev = [], rows[first - 2].hash if first > 1 else audit.GENESIS
    for entry in rows[first - 1 :]:
        changed = audit.AuditEntry(
            entry.id,
            entry.at,
            entry.actor,
            entry.action,
            entry.outcome,
            entry.purpose,
            entry.subject_hash,
            {**entry.detail, "i": 99} if entry.id == first else entry.detail,
            prev,
            "",
        )
        digest = audit.legacy_hash(changed)
        statements.append(
            f"UPDATE policy_audit SET detail = '{json.dumps(changed.detail)}', "
            f"prev_hash = '{prev}', hash = '{digest}' WHERE id = {entry.id}"
        )
        prev = digest
    return statements


@pytest.mark.parametrize(
    "tamper, bad_id, reason",
    [
        (
            ['UPDATE policy_audit SET detail = \'{"i": 9, "x": [1, "a"]}\' WHERE id = 2'],
            2,
            "MAC mismatch: content or hash changed",
        ),
        (["DELETE FROM policy_audit WHERE id = 3"], 4, "gap in sequence: entry 3 is missing"),
        # A forged entry appended with a plain INSERT and a well-formed SHA-256 chain link.
        (
            [
                "INSERT INTO policy_audit SELECT 5, at, actor, action, outcome, purpose, "
                "subject_hash, detail, hash, encode(sha256(convert_to(hash, 'UTF8')), 'hex') "
                "FROM policy_audit WHERE id = 4"
            ],
            5,
            "MAC mismatch",
        ),
        (["DELETE FROM policy_audit WHERE id >= 3"], 3, "count below checkpoint: 2 entries"),
        (["TRUNCATE policy_audit"], 1, "count below checkpoint: 0 entries"),
    ],
)
def test_audit_verify_finds_tampering_done_behind_the_trigger(db, engine, tamper, bad_id, reason):
    _fill(db, engine)
    _behind_the_trigger(db, *tamper)
    result = _verify(db, engine)
    assert not result.ok and result.first_bad_id == bad_id and reason in result.reason, result


@pytest.mark.parametrize("first", [1, 2, 4])
def test_audit_rewriting_every_hash_from_an_entry_on_is_found(db, engine, first):
    _fill(db, engine)
    _behind_the_trigger(db, *_sha256_chain_from(db, first))
    result = _verify(db, engine)
    assert not result.ok and result.first_bad_id == first and "MAC mismatch" in result.reason


def test_audit_forged_entry_with_a_correct_sha256_is_named_as_unkeyed(db, engine):
    _fill(db, engine)
    with db.connection() as conn:
        head = audit.recent(conn, limit=1)[0]
    forged = audit.AuditEntry(
        5,
        head.at,
        "compliance_officer:cli:eve",
        "policy:apply",
        "done",
        None,
        None,
        {},
        head.hash,
        "",
    )
    _behind_the_trigger(
        db,
        "INSERT INTO policy_audit (id, at, actor, action, outcome, detail, prev_hash, hash) "
        f"VALUES (5, '{head.at.isoformat()}', '{forged.actor}', 'policy:apply', 'done', '{{}}', "
        f"'{head.hash}', '{audit.legacy_hash(forged)}')",
    )
    result = _verify(db, engine)
    assert (
        result.first_bad_id == 5 and "unkeyed entry where keyed ones are required" in result.reason
    )


def test_audit_checkpoint_file_edited_or_removed_is_reported(db, engine):
    _fill(db, engine)
    path = engine.audit.checkpoint.path
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "entries": 2}))
    assert "checkpoint altered" in _verify(db, engine).reason
    path.unlink()
    result = _verify(db, engine)
    assert not result.ok and "no checkpoint outside the database" in result.reason
    assert "audit upgrade" in result.reason


def test_audit_checkpoint_follows_appends_without_a_verify(db, engine):
    engine.audit.checkpoint_interval = 0
    _fill(db, engine, 3, verify=False)
    # Each transaction's first append checkpoints the committed head before it.
    assert engine.audit.checkpoint.read().entries == 2
    _behind_the_trigger(db, "DELETE FROM policy_audit WHERE id >= 2")
    assert "count below checkpoint" in _verify(db, engine).reason


def test_audit_appends_checkpoint_at_most_once_per_interval(db, engine):
    clock = iter([100.0, 100.5, 101.6])
    engine.audit.clock = lambda: next(clock)
    _fill(db, engine, 1, verify=False)  # fresh log: always checkpointed (0 entries)
    _fill(db, engine, 2, verify=False)  # at 100.5 (skipped), then 101.6 (written)
    assert engine.audit.checkpoint.read().entries == 2


def test_audit_legacy_chain_is_anchored_by_upgrade_and_stays_verifiable(db, engine, settings):
    # An unkeyed chain as learnwire wrote it before: SHA-256 over the same canonical body.
    prev = audit.GENESIS
    with db.connection() as conn:
        for i in range(1, 4):
            at = conn.execute("SELECT now()").fetchone()[0]
            entry = audit.AuditEntry(
                i, at, "compliance_officer:old", "test:old", "done", None, None, {"i": i}, prev, ""
            )
            digest = audit.legacy_hash(entry)
            conn.execute(
                "INSERT INTO policy_audit (id, at, actor, action, outcome, detail, prev_hash, "
                "hash) VALUES (%s, %s, %s, 'test:old', 'done', %s, %s, %s)",
                (i, at, entry.actor, json.dumps({"i": i}), prev, digest),
            )
            prev = digest
    before = _verify(db, engine)
    assert not before.ok and "unkeyed (legacy) entries" in before.reason
    with db.connection() as conn:
        outcome = engine.audit.upgrade(conn, actor="compliance_officer:cli:ana")
    assert outcome == {"upgraded": True, "legacy_entries": 3, "entries": 4}
    _fill(db, engine, 2)
    result = _verify(db, engine)
    assert result.ok and result.entries == 6 and result.keyed_from == 4
    with db.connection() as conn:
        again = engine.audit.upgrade(conn, actor="x")
    assert again["upgraded"] is False and again["reason"] == "already keyed and checkpointed"
    # Legacy entries stay covered: the keyed upgrade entry's MAC binds the legacy head.
    _behind_the_trigger(db, *_sha256_chain_from(db, 2)[:2])
    result = _verify(db, engine)
    assert not result.ok and result.first_bad_id == 4


def test_audit_key_and_checkpoint_live_outside_the_database(db, engine, settings):
    _fill(db, engine, 1)
    keys = settings.data_dir / "keys"
    assert (keys / "audit.key").stat().st_mode & 0o777 == 0o600
    assert engine.audit.checkpoint.path.parent == keys
    key = (keys / "audit.key").read_text().strip()
    with db.connection() as conn:
        dump = "\n".join(r[0] for r in conn.execute("SELECT r::text FROM policy_audit r"))
    assert key not in dump and hashlib.sha256(key.encode()).hexdigest() not in dump
    other = CheckpointFile(engine.audit.checkpoint.path, b"another key")
    with pytest.raises(Exception, match="MAC mismatch"):
        other.read()


def test_audit_people_appear_only_as_keyed_hashes(db, engine, make_org):
    with db.connection() as conn:
        learner = make_org(conn).learner()
        engine.record(conn, Subject.learner(learner), "consent:opt_out", "done", learner_id=learner)
        [entry] = audit.recent(conn)
        raw = conn.execute("SELECT r::text FROM policy_audit r").fetchone()[0]
    assert str(learner) not in raw
    assert entry.subject_hash == engine.audit.subject_hash(learner)
    assert entry.actor.startswith("learner:") and str(learner) not in entry.actor
