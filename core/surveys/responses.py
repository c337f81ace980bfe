"""Reading survey answers back: the one function other parts (outcome reports, the ranker)
use, so nobody parses the statements twice."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from ..store.database import Database
from .vocabulary import EXT_CONTENT, EXT_NOTE, EXT_SKILL, EXT_TEAM, EXT_WHERE, KINDS, VERBS

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class SurveyResponse:
    """One answer. ``person_id`` is who answered (for an observation, the manager);
    ``team_id`` (``source:unit``) is set for observations only, which are about a team and
    never about one of its members. ``content_id`` is set for relevance and application,
    ``skill_id`` where the question named a skill."""

    person_id: UUID
    kind: str
    answer: str
    answered_at: datetime
    content_id: UUID | None = None
    skill_id: str | None = None
    team_id: str | None = None
    where: str | None = None
    note: str | None = None
    statement_id: UUID | None = None


def survey_responses(
    db: Database | Conn,
    *,
    kind: str,
    person_ids: Iterable[UUID] | None = None,
    since: datetime,
    until: datetime,
) -> list[SurveyResponse]:
    """Answers of ``kind`` given in ``[since, until)``, oldest first, by ``person_ids`` (all
    people when None). A person may change their answer: only the latest answer per person
    and subject (item, or team and skill) within the window is returned. Answers of erased
    people, or removed by retention, are gone with them (they are ordinary statements).

    :raises ValueError: ``kind`` is not one of ``KINDS``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    people = None if person_ids is None else list(person_ids)
    with _connection(db) as conn:
        rows = conn.execute(
            """
            SELECT DISTINCT ON (learner_id, subject, skill) * FROM (
                SELECT statement_id, learner_id, occurred_at,
                       statement->'result'->>'response' AS answer,
                       coalesce(content_id::text, ext->>%(ext_content)s) AS content,
                       ext->>%(ext_skill)s AS skill, ext->>%(ext_team)s AS team,
                       ext->>%(ext_where)s AS place, ext->>%(ext_note)s AS note,
                       coalesce(ext->>%(ext_team)s, content_id::text,
                                ext->>%(ext_content)s, object_id) AS subject
                FROM (SELECT *, coalesce(statement->'context'->'extensions', '{}') AS ext
                      FROM learning_event
                      WHERE verb = %(verb)s AND data_category = 'feedback' AND NOT voided
                        AND occurred_at >= %(since)s AND occurred_at < %(until)s
                        AND (%(people)s::uuid[] IS NULL OR learner_id = ANY(%(people)s))) e
            ) a
            ORDER BY learner_id, subject, skill, occurred_at DESC, statement_id
            """,
            {
                "verb": VERBS[kind],
                "since": since,
                "until": until,
                "people": people,
                "ext_content": EXT_CONTENT,
                "ext_skill": EXT_SKILL,
                "ext_team": EXT_TEAM,
                "ext_where": EXT_WHERE,
                "ext_note": EXT_NOTE,
            },
        ).fetchall()
    out = [
        SurveyResponse(
            person_id=r[1],
            kind=kind,
            answer=r[3] or "",
            answered_at=r[2],
            content_id=UUID(r[4]) if r[4] else None,
            skill_id=r[5],
            team_id=r[6],
            where=r[7],
            note=r[8],
            statement_id=r[0],
        )
        for r in rows
    ]
    out.sort(key=lambda r: (r.answered_at, str(r.statement_id)))
    return out


@contextmanager
def _connection(db: Database | Conn) -> Iterator[Conn]:
    if isinstance(db, psycopg.Connection):
        yield db
    else:
        with db.connection() as conn:
            yield conn
