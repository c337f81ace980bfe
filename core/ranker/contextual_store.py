"""Persistence for contextual reranking: the daily token budget and the answer cache.

Both live in PostgreSQL (``core/store/migrations/0003_contextual.sql``) and are written on
connections of their own, committed at once: tokens spent and answers paid for stay
recorded even when the request that caused them rolls back, and no row lock is held while
Claude is thinking.

The budget is enforced by reservation: before a call its estimated cost is reserved
atomically, and only if it still fits into the day's budget; after the call the estimate is
replaced by what the API's ``usage`` reports. Concurrent workers therefore cannot overspend
together, and a failed call gives its reservation back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from ..store import Database

#: Cached answers expire with the calendar situations their framings may mention.
CACHE_TTL = timedelta(days=14)


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Usage:
    """Tokens of one UTC day: spent (input + output, as the API reported) and reserved."""

    day: date
    input_tokens: int
    output_tokens: int
    reserved: int
    calls: int
    failed_calls: int

    @property
    def spent(self) -> int:
        return self.input_tokens + self.output_tokens


class TokenBudget:
    """At most ``daily`` input+output tokens per UTC day, shared by every process."""

    def __init__(self, db: Database, daily: int) -> None:
        self.db = db
        self.daily = daily

    def usage(self, day: date | None = None) -> Usage:
        day = day or utc_today()
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT input_tokens, output_tokens, reserved, calls, failed_calls "
                "FROM contextual_token_usage WHERE day = %s",
                (day,),
            ).fetchone()
        return Usage(day, *row) if row else Usage(day, 0, 0, 0, 0, 0)

    def reserve(self, tokens: int) -> date | None:
        """Hold ``tokens`` of today's budget; the day held, or None when they do not fit."""
        if tokens > self.daily:
            return None
        day = utc_today()
        with self.db.connection() as conn:
            conn.execute(
                "INSERT INTO contextual_token_usage (day) VALUES (%s) ON CONFLICT DO NOTHING",
                (day,),
            )
            row = conn.execute(
                "UPDATE contextual_token_usage SET reserved = reserved + %(n)s "
                "WHERE day = %(day)s "
                "AND input_tokens + output_tokens + reserved + %(n)s <= %(daily)s "
                "RETURNING day",
                {"n": tokens, "day": day, "daily": self.daily},
            ).fetchone()
        return day if row else None

    def settle(self, day: date, reserved: int, input_tokens: int, output_tokens: int) -> None:
        """Replace a reservation by the tokens the call really used."""
        with self.db.connection() as conn:
            conn.execute(
                "UPDATE contextual_token_usage SET reserved = greatest(reserved - %s, 0), "
                "input_tokens = input_tokens + %s, output_tokens = output_tokens + %s, "
                "calls = calls + 1 WHERE day = %s",
                (reserved, input_tokens, output_tokens, day),
            )

    def release(self, day: date, reserved: int) -> None:
        """Give back a reservation after a call that failed before any tokens were used."""
        with self.db.connection() as conn:
            conn.execute(
                "UPDATE contextual_token_usage SET reserved = greatest(reserved - %s, 0), "
                "failed_calls = failed_calls + 1 WHERE day = %s",
                (reserved, day),
            )


class AnswerCache:
    """Validated answers keyed by the hash of what was sent (see ``payload_key``), with the
    learners each was made for or served to: its framings are data about them, which
    erasure and export find by the ``learner_ids`` column (migration 0006)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str, learner_id: UUID) -> dict[str, Any] | None:
        """The answer cached for ``key``, now also served to ``learner_id`` (so erasing that
        learner removes it too)."""
        with self.db.connection() as conn:
            row = conn.execute(
                "WITH hit AS (SELECT answer FROM contextual_rerank_cache "
                "  WHERE payload_sha256 = %(key)s AND created_at > now() - %(ttl)s), "
                "linked AS (UPDATE contextual_rerank_cache "
                "  SET learner_ids = learner_ids || %(learner)s::uuid "
                "  WHERE payload_sha256 = %(key)s AND NOT %(learner)s::uuid = ANY(learner_ids) "
                "  AND EXISTS (SELECT 1 FROM hit)) "
                "SELECT answer FROM hit",
                {"key": key, "ttl": CACHE_TTL, "learner": learner_id},
            ).fetchone()
        return row[0] if row else None

    def put(
        self,
        key: str,
        learner_id: UUID,
        model: str,
        answer: dict[str, Any],
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        with self.db.connection() as conn:
            conn.execute(
                "DELETE FROM contextual_rerank_cache WHERE created_at <= now() - %s", (CACHE_TTL,)
            )
            conn.execute(
                "INSERT INTO contextual_rerank_cache (payload_sha256, learner_ids, model, answer, "
                "input_tokens, output_tokens) VALUES (%s, ARRAY[%s::uuid], %s, %s, %s, %s) "
                "ON CONFLICT (payload_sha256) DO UPDATE SET answer = EXCLUDED.answer, "
                "learner_ids = EXCLUDED.learner_ids, "
                "input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens, "
                "created_at = now()",
                (key, learner_id, model, json.dumps(answer), input_tokens, output_tokens),
            )
