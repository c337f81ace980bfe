"""Which questions are waiting for a person: "was this relevant?" for items they completed
lately, and "did you use this? where?" for items completed 7 to 14 days ago, each asked
only until it is answered (or its window passes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from .vocabulary import APPLICATION, EXT_CONTENT, RELEVANCE, VERBS

Conn = psycopg.Connection[Any]
#: "Did you use this?" once an item has been done this long, and no longer after.
APPLICATION_AFTER_DAYS, APPLICATION_UNTIL_DAYS = 7, 14
#: "Was this relevant?" is asked for items completed within this many days; after that the
#: application question takes over (one question about an item at a time).
RELEVANCE_DAYS = APPLICATION_AFTER_DAYS


@dataclass(frozen=True)
class Prompt:
    kind: str
    content_id: UUID
    title: str
    completed_at: datetime


def pending(
    conn: Conn, learners: Sequence[UUID], *, at: datetime, limit: int = 3
) -> dict[UUID, list[Prompt]]:
    """Per learner, up to ``limit`` questions waiting, application checks first (their
    window is short), then relevance, the most recent completion first."""
    out: dict[UUID, list[Prompt]] = defaultdict(list)
    for kind, oldest, newest in (
        (APPLICATION, at - timedelta(days=APPLICATION_UNTIL_DAYS),
         at - timedelta(days=APPLICATION_AFTER_DAYS)),
        (RELEVANCE, at - timedelta(days=RELEVANCE_DAYS) + timedelta(microseconds=1), at),
    ):  # fmt: skip
        for learner, content, title, done in _unanswered(conn, learners, kind, oldest, newest):
            if len(out[learner]) < limit:
                out[learner].append(Prompt(kind, content, title, done))
    return dict(out)


def _unanswered(
    conn: Conn, learners: Sequence[UUID], kind: str, oldest: datetime, newest: datetime
) -> list[tuple[UUID, UUID, str, datetime]]:
    return conn.execute(
        """
        SELECT d.learner_id, d.content_id, c.title, d.done FROM (
            SELECT learner_id, content_id, max(occurred_at) AS done FROM learning_event
            WHERE learner_id = ANY(%(people)s) AND completion AND content_id IS NOT NULL
              AND data_category <> 'feedback' AND NOT voided
            GROUP BY learner_id, content_id
        ) d
        JOIN content_item c ON c.id = d.content_id AND c.retired_at IS NULL
        WHERE d.done >= %(oldest)s AND d.done <= %(newest)s AND NOT EXISTS (
            SELECT 1 FROM learning_event a
            WHERE a.learner_id = d.learner_id AND a.verb = %(verb)s AND NOT a.voided
              AND a.statement->'context'->'extensions'->>%(ext)s = d.content_id::text)
        ORDER BY d.learner_id, d.done DESC, d.content_id
        """,
        {
            "people": list(learners),
            "oldest": oldest,
            "newest": newest,
            "verb": VERBS[kind],
            "ext": EXT_CONTENT,
        },
    ).fetchall()
