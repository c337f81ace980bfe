"""The audit log: append-only, each entry chained to the one before by a keyed MAC.

Entries record every read of a person's data by someone else, every policy change, every
denial, every erasure and export, every egress. People are named only by a keyed hash of
their learner id (:meth:`AuditLog.subject_hash`), so an erased person's id is gone from the
log while the chain stays verifiable. A database trigger refuses UPDATE and DELETE.

Tamper evidence does not rest on the database: each entry's ``hash`` is an HMAC-SHA256,
keyed with the audit key that lives in the data directory's key store (or
``LEARNWIRE_AUDIT_KEY``), over its content and the previous entry's MAC, so nobody with
only database rights can rewrite an entry, recompute the chain after it, or append one. A
checkpoint outside PostgreSQL (:mod:`.audit_checkpoint`) records the entry count and head,
so removing the newest entries or truncating the table is found too. Entries written before
the log was keyed (plain SHA-256) are verified as *legacy* up to the point ``learnwire audit
upgrade`` anchored them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from ..core.store import one
from .audit_checkpoint import CheckpointAltered, CheckpointFile
from .audit_entry import GENESIS, AuditEntry, Verification, legacy_hash
from .audit_walk import ChainWalk

__all__ = ["GENESIS", "AuditEntry", "AuditLog", "Verification", "legacy_hash", "recent"]

log = logging.getLogger(__name__)
Conn = psycopg.Connection[Any]
#: Appends write the checkpoint at most this often (``verify`` writes it every time).
CHECKPOINT_INTERVAL_SECONDS = 1.0
_MAC_DOMAIN = b"learnwire-audit-entry-v2\x1f"


class AuditLog:
    """Writes and verifies entries.

    :param key: keys the subject hashes (the deployment's pseudonym key).
    :param mac_key: keys the entries' MACs; kept outside the database. Derived from ``key``
        when not given (for engines built without settings, e.g. in tests).
    :param checkpoint: the checkpoint file outside PostgreSQL; None: not checkpointed.
    """

    def __init__(
        self, key: bytes, *, mac_key: bytes | None = None, checkpoint: Path | None = None
    ) -> None:
        self._key = key
        self._mac_key = mac_key or hmac.new(key, b"audit-mac-key", hashlib.sha256).digest()
        self.checkpoint = CheckpointFile(checkpoint, self._mac_key) if checkpoint else None
        self.checkpoint_interval = CHECKPOINT_INTERVAL_SECONDS
        self.clock = time.monotonic
        self._last_checkpoint = -float("inf")
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

    def mac(self, entry: AuditEntry) -> str:
        return hmac.new(self._mac_key, _MAC_DOMAIN + entry.body(), hashlib.sha256).hexdigest()

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
        first_in_transaction = not self.holds_lock(conn)
        # Serialise appenders so each sees the true chain head; released at commit.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('learnwire.policy_audit'))")
        self._holders[conn] = one(conn.execute("SELECT txid_current()"))[0]
        row = conn.execute("SELECT id, hash FROM policy_audit ORDER BY id DESC LIMIT 1").fetchone()
        next_id, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        if first_in_transaction and self._checkpoint_due(fresh=row is None):
            # Under the lock the head is committed (its writer's transaction has ended), so
            # it can be checkpointed; an entry of our own transaction could still roll back.
            self._advance(next_id - 1, prev, fresh=row is None)
        at = datetime.now(UTC)
        subject = self.subject_hash(learner_id) if learner_id is not None else None
        clean = json.loads(json.dumps(detail or {}, default=str))
        entry = AuditEntry(next_id, at, actor, action, outcome, purpose, subject, clean, prev, "")
        digest = self.mac(entry)
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

    def _checkpoint_due(self, *, fresh: bool) -> bool:
        # A durable write costs milliseconds: appends checkpoint at most once per interval
        # (verify always does), so the newest second of entries is what a checkpoint lags.
        now = self.clock()
        if not fresh and now - self._last_checkpoint < self.checkpoint_interval:
            return False
        self._last_checkpoint = now
        return True

    def _advance(self, entries: int, head: str, *, fresh: bool) -> None:
        if self.checkpoint is None:
            return
        try:
            # A fresh log is keyed from its first entry; an older one waits for `upgrade`.
            self.checkpoint.advance(entries, head, keyed_from=1 if fresh else None)
        except OSError as exc:
            log.warning("audit checkpoint %s not written: %s", self.checkpoint.path, exc)

    # -- verification ----------------------------------------------------------------------

    def verify(self, conn: Conn, *, batch: int = 5000) -> Verification:
        """Walk the whole chain in id order and compare it with the checkpoint.

        Reports the first entry that does not fit and why: a gap in the ids, a ``prev_hash``
        that is not the MAC before it, a MAC mismatch (changed, or written without the key),
        fewer entries than the checkpoint recorded, or a head that is not the checkpointed
        one. When all is well the checkpoint moves to the current head.
        """
        try:
            point = self.checkpoint.read() if self.checkpoint else None
        except CheckpointAltered as exc:
            return Verification(False, 0, None, f"checkpoint altered: {exc}")
        walk = ChainWalk(self.mac, point)
        for entry in _entries(conn, batch):
            if not walk.step(entry):
                return walk.result()
        result = walk.result()
        # Entries this very transaction wrote could still roll back: not checkpointed.
        if result.ok and self.checkpoint is not None and not self.holds_lock(conn):
            self._advance(walk.count, walk.prev, fresh=walk.count == 0 and point is None)
            try:
                moved = self.checkpoint.read()
            except CheckpointAltered:
                moved = None
            return Verification(
                True, walk.count, None, "", walk.keyed_from, moved.as_dict() if moved else None
            )
        return result

    def upgrade(self, conn: Conn, *, actor: str) -> dict[str, Any]:
        """Anchor the log as it is now: legacy (unkeyed) entries and a missing or replaced
        checkpoint. Appends an ``audit:upgrade`` entry and writes a new checkpoint.

        Refuses when the chain itself is broken. Commits its own transaction, so the
        checkpoint never records an entry that could still roll back.
        """
        if self.checkpoint is None:
            raise RuntimeError("this audit log has no checkpoint file to anchor")
        try:
            previous = self.checkpoint.read()
        except CheckpointAltered:
            previous, replaced = None, "altered"
        else:
            replaced = "none"
        if previous is not None:
            # A valid checkpoint is never replaced: that would hide what it detects.
            check = self.verify(conn)
            said = "already keyed and checkpointed" if check.ok else check.reason
            return {"upgraded": False, **check.as_dict(), "reason": said}
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('learnwire.policy_audit'))")
            scan = ChainWalk(self.mac, None, upgrading=True)
            for entry in _entries(conn, 5000):
                if not scan.step(entry):
                    return {"upgraded": False, **scan.result().as_dict()}
            legacy = scan.keyed_from - 1 if scan.keyed_from else scan.count
            entry = self.append(
                conn,
                actor=actor,
                action="audit:upgrade",
                outcome="done",
                detail={
                    "legacy_entries": legacy,
                    "legacy_head": scan.legacy_head,
                    "entries_before": scan.count,
                    "previous_checkpoint": replaced,
                },
            )
        conn.commit()  # the checkpoint must never name an entry that could roll back
        self.checkpoint.reset(entry.id, entry.hash, legacy + 1)
        return {"upgraded": True, "legacy_entries": legacy, "entries": entry.id}


_COLUMNS = "id, at, actor, action, outcome, purpose, subject_hash, detail, prev_hash, hash"


def _entries(conn: Conn, batch: int) -> Any:
    after = 0
    while True:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM policy_audit WHERE id > %s ORDER BY id LIMIT %s",
            (after, batch),
        ).fetchall()
        if not rows:
            return
        for row in rows:
            yield AuditEntry(*row)
        after = rows[-1][0]


def recent(conn: Conn, *, limit: int = 50) -> list[AuditEntry]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM policy_audit ORDER BY id DESC LIMIT %s", (limit,)
    ).fetchall()
    return [AuditEntry(*row) for row in rows]
