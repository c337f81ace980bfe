"""The day's delivered set, for the LMS page: what today's message carried, so the page and
the message agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

Conn = psycopg.Connection[Any]


def todays_items(conn: Conn, learner_id: UUID, *, at: datetime) -> list[tuple[UUID, str]]:
    """(content id, reason) of the message planned for the learner's local day of ``at``
    whose items are chosen (a nudge before a digest); empty when nothing went out yet."""
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT i.content_id, i.reason FROM delivery_outbox o "
            "JOIN learner l ON l.id = o.learner_id "
            "JOIN delivery_item i ON i.outbox_id = o.id "
            "JOIN content_item c ON c.id = i.content_id AND c.retired_at IS NULL "
            "WHERE o.learner_id = %s AND o.day = (%s AT TIME ZONE l.timezone)::date "
            "ORDER BY o.kind = 'nudge' DESC, i.rank",
            (learner_id, at),
        )
    ]
