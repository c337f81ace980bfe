"""Audit entries and the outcome of verifying them; the canonical body MACs are taken of."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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

    def body(self) -> bytes:
        return _canonical(
            self.id,
            self.at,
            self.actor,
            self.action,
            self.outcome,
            self.purpose,
            self.subject_hash,
            self.detail,
            self.prev_hash,
        )


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    reason: str = ""
    #: Entries below this id are legacy (unkeyed SHA-256, anchored by ``audit upgrade``).
    keyed_from: int | None = None
    checkpoint: dict[str, Any] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_bad_id": self.first_bad_id,
            "reason": self.reason,
            "keyed_from": self.keyed_from,
            "checkpoint": self.checkpoint,
        }


def _canonical(
    id: int,
    at: datetime,
    actor: str,
    action: str,
    outcome: str,
    purpose: str | None,
    subject_hash: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> bytes:
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
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def legacy_hash(entry: AuditEntry) -> str:
    """The unkeyed SHA-256 entries carried before the log was keyed."""
    return hashlib.sha256(entry.body()).hexdigest()
