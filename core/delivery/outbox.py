"""The outbox in PostgreSQL: planned messages keyed on (person, kind, day), one send per
channel, and the state machine every worker goes through to send one.

A send is claimed (``pending``/``retry`` -> ``sending``) in its own committed statement before
anything leaves, so a second worker, a redelivered task or a rerun finds nothing to claim. A
claim whose worker died is never resent: past its lease it becomes ``unconfirmed`` (the
provider may or may not have it), because a lost digest costs less than a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from .planner import Plan

Conn = psycopg.Connection[Any]
OPEN = ("pending", "retry")


def enqueue(conn: Conn, plans: Sequence[Plan]) -> int:
    """Store planned messages and their sends; an existing (person, kind, day) is left
    alone. Returns how many messages were new."""
    todo = [p for p in plans if not p.skipped and p.send_at is not None]
    if not todo:
        return 0
    rows = conn.execute(
        "INSERT INTO delivery_outbox (learner_id, kind, day, send_after, timing, situation) "
        "SELECT * FROM unnest(%s::uuid[], %s::text[], %s::date[], %s::timestamptz[], "
        "%s::text[], %s::text[]) ON CONFLICT (learner_id, kind, day) DO NOTHING "
        "RETURNING id, learner_id, kind",
        (
            [p.learner_id for p in todo],
            [p.kind for p in todo],
            [p.day for p in todo],
            [p.send_at for p in todo],
            [p.timing for p in todo],
            [p.situation for p in todo],
        ),
    ).fetchall()
    channels = {(p.learner_id, p.kind): p.channels for p in todo}
    ids, names = [], []
    for outbox_id, learner_id, kind in rows:
        for channel in channels[(learner_id, kind)]:
            ids.append(outbox_id)
            names.append(channel)
    if ids:
        conn.execute(
            "INSERT INTO delivery_send (outbox_id, channel) SELECT * FROM "
            "unnest(%s::bigint[], %s::text[]) ON CONFLICT DO NOTHING",
            (ids, names),
        )
    return len(rows)


def expire_claims(conn: Conn, *, now: datetime, lease_seconds: float) -> int:
    return conn.execute(
        "UPDATE delivery_send SET status = 'unconfirmed', reason = %s "
        "WHERE status = 'sending' AND claimed_at < %s",
        (
            "the worker stopped while sending; not resent, so nobody gets it twice",
            now - timedelta(seconds=lease_seconds),
        ),
    ).rowcount


def due(conn: Conn, *, at: datetime, limit: int = 100_000) -> list[int]:
    """Sends whose message is due and that are waiting (first try or a retry whose backoff
    has passed), oldest first."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT s.id FROM delivery_send s JOIN delivery_outbox o ON o.id = s.outbox_id "
            "WHERE s.status = ANY(%s) AND o.send_after <= %s "
            "AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= %s) "
            "ORDER BY o.send_after, s.id LIMIT %s",
            (list(OPEN), at, at, limit),
        )
    ]


@dataclass(frozen=True)
class Claim:
    send_id: int
    outbox_id: int
    learner_id: UUID
    kind: str
    day: Any
    channel: str
    attempts: int
    timing: str
    situation: str | None


def claim(conn: Conn, send_id: int, *, now: datetime) -> Claim | None:
    """Take one send for this worker; None when it is not (or no longer) waiting. Call in
    autocommit or commit at once: the claim must be visible before anything is sent."""
    row = conn.execute(
        "UPDATE delivery_send s SET status = 'sending', claimed_at = %s, "
        "attempts = attempts + 1 FROM delivery_outbox o "
        "WHERE s.id = %s AND o.id = s.outbox_id AND s.status = ANY(%s) "
        "RETURNING s.id, o.id, o.learner_id, o.kind, o.day, s.channel, s.attempts, o.timing, "
        "o.situation",
        (now, send_id, list(OPEN)),
    ).fetchone()
    return Claim(*row) if row else None


def finish(
    conn: Conn,
    send_id: int,
    status: str,
    *,
    reason: str | None = None,
    provider_id: str | None = None,
    next_attempt_at: datetime | None = None,
    now: datetime | None = None,
) -> None:
    conn.execute(
        "UPDATE delivery_send SET status = %s, reason = %s, provider_id = %s, "
        "next_attempt_at = %s, sent_at = CASE WHEN %s = 'sent' THEN %s ELSE sent_at END "
        "WHERE id = %s",
        (status, reason, provider_id, next_attempt_at, status, now, send_id),
    )


def cancel_open(
    conn: Conn, learner_id: UUID, *, kind: str | None, channel: str | None, reason: str
) -> int:
    """Cancel waiting sends of a person (of one kind and channel, or all)."""
    return conn.execute(
        "UPDATE delivery_send s SET status = 'cancelled', reason = %s FROM delivery_outbox o "
        "WHERE o.id = s.outbox_id AND o.learner_id = %s AND s.status = ANY(%s) "
        "AND (%s::text IS NULL OR o.kind = %s) AND (%s::text IS NULL OR s.channel = %s)",
        (reason, learner_id, list(OPEN), kind, kind, channel, channel),
    ).rowcount


def status(conn: Conn) -> dict[str, Any]:
    """Counts per state and channel, and failures grouped by reason."""
    by_state = [
        {"channel": c, "status": s, "count": n}
        for c, s, n in conn.execute(
            "SELECT channel, status, count(*) FROM delivery_send GROUP BY 1, 2 ORDER BY 1, 2"
        )
    ]
    failures = [
        {"channel": c, "status": s, "reason": r, "count": n}
        for c, s, r, n in conn.execute(
            "SELECT channel, status, coalesce(reason, ''), count(*) FROM delivery_send "
            "WHERE status IN ('failed', 'retry', 'unconfirmed', 'cancelled') "
            "GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1"
        )
    ]
    row = conn.execute("SELECT count(*) FROM delivery_outbox").fetchone()
    return {"messages": row[0] if row else 0, "sends": by_state, "problems": failures}
