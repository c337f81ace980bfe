"""The audit log: append-only, each entry chained by SHA-256 to the one before.

Entries record every read of a person's data by someone else, every policy change, every
denial, every erasure and export, every egress. People are named only by a keyed hash of
their learner id (:meth:`AuditLog.subject_hash`), so an erased person's id is gone from the
log while the chain stays verifiable. A database trigger refuses UPDATE and DELETE;
:func:`verify` recomputes the chain and finds any entry changed, removed or inserted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from ..core.store import one

Conn = psycopg.Connection[Any]
GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    outcome: str
    purpose: str | None
    subject_hash: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "outcome": self.outcome,
            "purpose": self.purpose,
            "subject_hash": self.subject_hash,
            "detail": self.detail,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_bad_id": self.first_bad_id,
            "reason": self.reason,
        }


def entry_hash(
    id: int,
    at: datetime,
    actor: str,
    action: str,
    outcome: str,
    purpose: str | None,
    subject_hash: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    body = [
        id,
        at.astimezone(UTC).isoformat(),
        actor,
        action,
        outcome,
        purpose,
        subject_hash,
        detail,
        prev_hash,
    ]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditLog:
    """Writes entries; ``key`` keys the subject hashes (the deployment's pseudonym key)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        # Connection -> transaction id in which it took the chain lock; lets a caller tell
        # whether appending from another connection would wait on this one.
        self._holders: weakref.WeakKeyDictionary[Conn, int] = weakref.WeakKeyDictionary()

    def holds_lock(self, conn: Conn) -> bool:
        """Does ``conn``'s open transaction hold the chain lock (it appended already)?"""
        txid = self._holders.get(conn)
        if txid is None:
            return False
        row = conn.execute("SELECT txid_current_if_assigned()").fetchone()
        return row is not None and row[0] == txid

    def subject_hash(self, learner_id: UUID) -> str:
        message = b"audit-subject\x1f" + str(learner_id).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def append(
        self,
        conn: Conn,
        *,
        actor: str,
        action: str,
        outcome: str,
        purpose: str | None = None,
        learner_id: UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry in the caller's transaction (it commits with the work it records).

        ``detail`` must be JSON-native and must not contain learner ids: pass the person as
        ``learner_id``, which is stored only as a keyed hash.
        """
        # Serialise appenders so each sees the true chain head; released at commit.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('learnwire.policy_audit'))")
        self._holders[conn] = one(conn.execute("SELECT txid_current()"))[0]
        row = conn.execute("SELECT id, hash FROM policy_audit ORDER BY id DESC LIMIT 1").fetchone()
        next_id, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        at = datetime.now(UTC)
        subject = self.subject_hash(learner_id) if learner_id is not None else None
        clean = json.loads(json.dumps(detail or {}, default=str))
        digest = entry_hash(next_id, at, actor, action, outcome, purpose, subject, clean, prev)
        conn.execute(
            "INSERT INTO policy_audit (id, at, actor, action, outcome, purpose, subject_hash, "
            "detail, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                next_id,
                at,
                actor,
                action,
                outcome,
                purpose,
                subject,
                json.dumps(clean),
                prev,
                digest,
            ),
        )
        return AuditEntry(
            next_id, at, actor, action, outcome, purpose, subject, clean, prev, digest
        )


_COLUMNS = "id, at, actor, action, outcome, purpose, subject_hash, detail, prev_hash, hash"


def verify(conn: Conn, *, batch: int = 5000) -> Verification:
    """Walk the whole chain in id order; report the first entry that does not fit."""
    prev, expected_id, count, after = GENESIS, 1, 0, 0
    while True:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM policy_audit WHERE id > %s ORDER BY id LIMIT %s",
            (after, batch),
        ).fetchall()
        if not rows:
            return Verification(True, count)
        for row in rows:
            entry = AuditEntry(*row)
            if entry.id != expected_id:
                return Verification(
                    False, count, entry.id, f"entry {expected_id} is missing before {entry.id}"
                )
            if entry.prev_hash != prev:
                return Verification(
                    False, count, entry.id, "prev_hash does not match the entry before it"
                )
            recomputed = entry_hash(
                entry.id,
                entry.at,
                entry.actor,
                entry.action,
                entry.outcome,
                entry.purpose,
                entry.subject_hash,
                entry.detail,
                entry.prev_hash,
            )
            if recomputed != entry.hash:
                return Verification(False, count, entry.id, "content changed after it was written")
            prev, expected_id, count, after = entry.hash, entry.id + 1, count + 1, entry.id


def recent(conn: Conn, *, limit: int = 50) -> list[AuditEntry]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM policy_audit ORDER BY id DESC LIMIT %s", (limit,)
    ).fetchall()
    return [AuditEntry(*row) for row in rows]
