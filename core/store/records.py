"""Bulk, idempotent writes of records about learners: events, HR facts, calendar signals,
team memberships. Each write returns how many rows were new, updated and unchanged.

Events are keyed by statement id and never rewritten here (a statement is immutable);
facts, calendar signals and memberships are keyed by their natural keys and updated only
when their content changed, so a replayed sync is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
import psycopg

from ..models import CalendarSignal, HrFact, LearningEvent, TeamMembership

Conn = psycopg.Connection[Any]


@dataclass
class WriteCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: WriteCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged}


_EVENT_COLUMNS = (
    "statement_id",
    "learner_id",
    "source",
    "data_category",
    "occurred_at",
    "verb",
    "object_id",
    "content_id",
    "skill_ids",
    "success",
    "completion",
    "score_scaled",
    "duration_seconds",
    "statement",
)


def insert_events(
    conn: Conn, events: Sequence[LearningEvent], content_ids: Sequence[UUID | None] | None = None
) -> tuple[WriteCounts, list[UUID]]:
    """COPY events in; existing statement ids are left alone. Returns counts and new ids."""
    if not events:
        return WriteCounts(), []
    cols = ", ".join(_EVENT_COLUMNS)
    # One text buffer instead of write_row per event: adapting 14 values a row through
    # psycopg's dumpers was the costliest part of xAPI intake's COPY.
    data = "".join(
        _event_line(e, content_ids[i] if content_ids is not None else None)
        for i, e in enumerate(events)
    )
    # Usually none of the ids is stored yet: COPY straight into the table. A duplicate makes
    # that fail inside a savepoint, and the batch goes through a staging table instead.
    # (Explicit savepoint SQL: conn.transaction() would commit if no transaction was open.)
    if conn.autocommit:
        new_ids = _insert_new_events(conn, cols, data)
    else:
        conn.execute("SAVEPOINT lw_insert_events")
        try:
            with conn.cursor() as cur, cur.copy(f"COPY learning_event ({cols}) FROM STDIN") as copy:
                copy.write(data)
        except psycopg.errors.UniqueViolation:
            conn.execute("ROLLBACK TO SAVEPOINT lw_insert_events")
            new_ids = _insert_new_events(conn, cols, data)
        else:
            new_ids = [e.statement_id for e in events]
        conn.execute("RELEASE SAVEPOINT lw_insert_events")
    return WriteCounts(new=len(new_ids), unchanged=len(events) - len(new_ids)), new_ids


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_text(value: object) -> str:
    """A value in COPY's text format: backslash, tab, newline and CR escaped."""
    if value is None:
        return _NULL
    text = str(value)
    # Most values need no escaping; str.translate walks a dict per character.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


#: The text of learner and content ids, which recur in every batch of events: str(UUID) is
#: Python code, several times the cost of this look-up. Starts afresh when full.
_ID_TEXTS: dict[UUID, str] = {}


def _copy_id(value: UUID | None) -> str:
    """A learner or content id in COPY's text format (a UUID's text needs no escaping)."""
    if value is None:
        return _NULL
    text = _ID_TEXTS.get(value)
    if text is None:
        if len(_ID_TEXTS) >= 100_000:
            _ID_TEXTS.clear()
        text = _ID_TEXTS[value] = str(value)
    return text


def _copy_bool(value: bool | None) -> str:
    return _NULL if value is None else ("t" if value else "f")


def _copy_array(values: Sequence[str]) -> str:
    """A text[] literal with every element quoted, then escaped for COPY."""
    quoted = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return ("{" + quoted + "}").translate(_COPY_ESCAPES)


def _event_line(e: LearningEvent, content_id: UUID | None) -> str:
    r = e.result
    category = getattr(e.data_category, "value", e.data_category)
    return (
        "\t".join(
            (
                str(e.statement_id),
                _copy_id(e.learner_id),
                _copy_text(e.source),
                category,
                e.occurred_at.isoformat(),
                _copy_text(e.verb),
                _copy_text(e.object_id),
                _copy_id(content_id),
                _copy_array(e.skill_ids),
                _copy_bool(r.success),
                _copy_bool(r.completion),
                _copy_text(None if r.score_scaled is None else repr(float(r.score_scaled))),
                _copy_text(None if r.duration_seconds is None else repr(float(r.duration_seconds))),
                _copy_text(_statement_json(e.statement)),
            )
        )
        + "\n"
    )


def _insert_new_events(conn: Conn, cols: str, data: str) -> list[UUID]:
    """Stage the COPY data and insert the events whose ids are new; returns their ids."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS incoming_event "
        "(LIKE learning_event INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    with conn.cursor() as cur:
        with cur.copy(f"COPY incoming_event ({cols}) FROM STDIN") as copy:
            copy.write(data)
        cur.execute(
            f"INSERT INTO learning_event ({cols}) SELECT DISTINCT ON (statement_id) {cols} "
            "FROM incoming_event ON CONFLICT (statement_id) DO NOTHING RETURNING statement_id"
        )
        new_ids = [row[0] for row in cur.fetchall()]
        cur.execute("TRUNCATE incoming_event")
    return new_ids


def _statement_json(statement: dict[str, Any]) -> str:
    # orjson is several times faster than json here, the hot path of xAPI intake; json
    # still takes what orjson refuses (integers beyond 64 bits).
    try:
        return orjson.dumps(statement).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(statement, separators=(",", ":"))


def upsert_rows(conn: Conn, sql: str, rows: list[tuple[Any, ...]]) -> WriteCounts:
    """Run an ``INSERT ... ON CONFLICT DO UPDATE ... WHERE changed RETURNING (xmax = 0)``."""
    counts = WriteCounts()
    if not rows:
        return counts
    with conn.cursor() as cur:
        cur.executemany(sql, rows, returning=True)
        touched = 0
        while True:
            row = cur.fetchone()
            if row is not None:
                touched += 1
                if row[0]:
                    counts.new += 1
                else:
                    counts.updated += 1
            if not cur.nextset():
                break
    counts.unchanged = len(rows) - touched
    return counts


def upsert_facts(conn: Conn, facts: Sequence[HrFact]) -> WriteCounts:
    rows = [
        (
            f.learner_id,
            f.source,
            f.fact_type.value,
            f.key,
            json.dumps(f.value),
            f.data_category.value,
            f.occurred_at,
        )
        for f in facts
    ]
    return upsert_rows(
        conn,
        "INSERT INTO hr_fact (learner_id, source, fact_type, key, value, data_category, "
        "occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (learner_id, source, fact_type, key) DO UPDATE SET "
        "value = excluded.value, data_category = excluded.data_category, "
        "occurred_at = excluded.occurred_at, stored_at = now() "
        "WHERE hr_fact.value IS DISTINCT FROM excluded.value "
        "OR hr_fact.data_category IS DISTINCT FROM excluded.data_category "
        "RETURNING (xmax = 0)",
        rows,
    )


def upsert_calendar(conn: Conn, signals: Sequence[CalendarSignal]) -> WriteCounts:
    rows = [
        (
            s.learner_id,
            s.source,
            s.event_key,
            s.situation,
            s.starts_at,
            s.duration_minutes,
            s.occurred_at,
        )
        for s in signals
    ]
    return upsert_rows(
        conn,
        "INSERT INTO calendar_signal (learner_id, source, event_key, situation, starts_at, "
        "duration_minutes, occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (learner_id, source, event_key) DO UPDATE SET "
        "situation = excluded.situation, starts_at = excluded.starts_at, "
        "duration_minutes = excluded.duration_minutes, occurred_at = excluded.occurred_at, "
        "stored_at = now() WHERE (calendar_signal.situation, calendar_signal.starts_at, "
        "calendar_signal.duration_minutes) IS DISTINCT FROM "
        "(excluded.situation, excluded.starts_at, excluded.duration_minutes) "
        "RETURNING (xmax = 0)",
        rows,
    )


def upsert_memberships(conn: Conn, memberships: Sequence[TeamMembership]) -> WriteCounts:
    rows = [
        (m.learner_id, m.source, m.unit_external_id, m.is_manager, m.occurred_at)
        for m in memberships
    ]
    return upsert_rows(
        conn,
        "INSERT INTO team_membership (learner_id, source, unit_external_id, is_manager, "
        "occurred_at) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (learner_id, source, unit_external_id) DO UPDATE SET "
        "is_manager = excluded.is_manager, stored_at = now() "
        "WHERE team_membership.is_manager IS DISTINCT FROM excluded.is_manager "
        "RETURNING (xmax = 0)",
        rows,
    )
