"""Retiring content by curation: propose (with evidence), then a person retires or keeps it.

A retired item keeps its row, its events and its recommendation history; ``retired_at``
takes it out of ranking (the ranker loads live items only) and out of delivery, and a
database trigger keeps it retired when a provider lists it again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from ...core.errors import Conflict, NotFound

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Retirement:
    content_id: uuid.UUID
    provider: str
    external_id: str
    title: str
    state: str
    reason: str
    evidence: dict[str, Any]
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "content_id": str(self.content_id),
            "proposed_at": self.proposed_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }


def propose(
    conn: Conn, content_id: uuid.UUID, *, reason: str, by: str, evidence: dict[str, Any] | None
) -> bool:
    """Put an item up for retirement; returns False when it is already proposed or retired.

    A proposal on an item once kept opens a new review.
    """
    cur = conn.execute(
        "INSERT INTO content_retirement (content_id, state, reason, evidence, proposed_by) "
        "VALUES (%s, 'proposed', %s, %s, %s) ON CONFLICT (content_id) DO UPDATE SET "
        "state = 'proposed', reason = excluded.reason, evidence = excluded.evidence, "
        "proposed_by = excluded.proposed_by, proposed_at = clock_timestamp(), "
        "decided_by = NULL, decided_at = NULL WHERE content_retirement.state = 'kept'",
        (content_id, reason, json.dumps(evidence or {}), by),
    )
    return cur.rowcount == 1


def decide(conn: Conn, content_id: uuid.UUID, *, retire: bool, by: str) -> None:
    """Retire a proposed item, or keep it; retiring a live item needs a proposal first.

    :raises NotFound: nothing is proposed for the item.
    :raises Conflict: it was already decided.
    """
    row = conn.execute(
        "SELECT state FROM content_retirement WHERE content_id = %s FOR UPDATE", (content_id,)
    ).fetchone()
    if row is None:
        raise NotFound("the item has no retirement proposal; propose it first")
    if row[0] != "proposed":
        raise Conflict(f"the item's retirement was already decided ({row[0]})")
    conn.execute(
        "UPDATE content_retirement SET state = %s, decided_by = %s, "
        "decided_at = clock_timestamp() WHERE content_id = %s",
        ("retired" if retire else "kept", by, content_id),
    )
    if retire:
        conn.execute(
            "UPDATE content_item SET retired_at = now() WHERE id = %s AND retired_at IS NULL",
            (content_id,),
        )


def reinstate(conn: Conn, content_id: uuid.UUID, *, by: str) -> None:
    """Bring a retired item back (its retirement becomes 'kept')."""
    cur = conn.execute(
        "UPDATE content_retirement SET state = 'kept', decided_by = %s, "
        "decided_at = clock_timestamp() WHERE content_id = %s AND state = 'retired'",
        (by, content_id),
    )
    if cur.rowcount == 0:
        raise NotFound("the item was not retired by curation")
    conn.execute("UPDATE content_item SET retired_at = NULL WHERE id = %s", (content_id,))


def retirements(conn: Conn, state: str | None = None) -> list[Retirement]:
    rows = conn.execute(
        "SELECT r.content_id, c.provider, c.external_id, c.title, r.state, r.reason, "
        "r.evidence, r.proposed_by, r.proposed_at, r.decided_by, r.decided_at "
        "FROM content_retirement r JOIN content_item c ON c.id = r.content_id "
        "WHERE %(state)s::text IS NULL OR r.state = %(state)s ORDER BY r.proposed_at",
        {"state": state},
    ).fetchall()
    return [Retirement(*r) for r in rows]
