"""Where tags stand, and the applied ones written to ``content_skill`` for the ranker.

A tag's state is decided in one place (``_STATES``), in this order: enough learner flags
since the last admin decision send it to review; otherwise an admin's decision stands
(accept / add apply it, reject removes it); otherwise a provider's own tag applies, and a
machine suggestion applies when its calibrated confidence reaches the threshold and waits
for review below it. ``materialise`` rewrites the items' ``content_skill`` rows from those
states, so re-tagging or re-importing can never undo an admin's decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from ...core.errors import NotFound

Conn = psycopg.Connection[Any]

_STATES = """
WITH keys AS (
    SELECT content_id, skill_id FROM skill_tag
    UNION SELECT content_id, skill_id FROM skill_tag_decision
), flags AS (
    SELECT f.content_id, f.skill_id, count(*) AS n FROM skill_tag_flag f
    LEFT JOIN skill_tag_decision d USING (content_id, skill_id)
    WHERE f.occurred_at > coalesce(d.decided_at, '-infinity') GROUP BY 1, 2
)
SELECT k.content_id, k.skill_id, t.origin, t.confidence, d.decision, coalesce(f.n, 0),
    CASE WHEN coalesce(f.n, 0) >= %(flag_limit)s THEN 'review'
         WHEN d.decision IN ('accept', 'add') THEN 'applied'
         WHEN d.decision = 'reject' THEN 'rejected'
         WHEN t.origin = 'provider' THEN 'applied'
         WHEN t.confidence >= %(threshold)s THEN 'applied'
         ELSE 'review' END AS state,
    CASE WHEN d.decision IS NOT NULL THEN 'admin' ELSE t.origin END AS applied_origin,
    CASE WHEN d.decision = 'add' OR t.weight IS NULL THEN d.weight ELSE t.weight END AS weight
FROM keys k
JOIN content_item c ON c.id = k.content_id
LEFT JOIN skill_tag t USING (content_id, skill_id)
LEFT JOIN skill_tag_decision d USING (content_id, skill_id)
LEFT JOIN flags f USING (content_id, skill_id)
WHERE (%(ids)s::uuid[] IS NULL OR k.content_id = ANY(%(ids)s::uuid[]))
"""


@dataclass(frozen=True)
class TagState:
    content_id: uuid.UUID
    skill_id: str
    origin: str | None  # machine / provider, None for an admin's addition
    confidence: float | None
    decision: str | None
    flags: int
    state: str  # applied / review / rejected
    applied_origin: str
    weight: float


def tag_states(
    conn: Conn,
    *,
    threshold: float,
    flag_limit: int,
    content_ids: Sequence[uuid.UUID] | None = None,
    state: str | None = None,
) -> list[TagState]:
    sql = _STATES + (" AND c.retired_at IS NULL" if state == "review" else "")
    rows = conn.execute(
        f"SELECT * FROM ({sql}) s WHERE %(state)s::text IS NULL OR s.state = %(state)s "
        "ORDER BY s.confidence DESC NULLS LAST, s.content_id, s.skill_id",
        {
            "threshold": threshold,
            "flag_limit": flag_limit,
            "ids": list(content_ids) if content_ids is not None else None,
            "state": state,
        },
    ).fetchall()
    return [TagState(*r) for r in rows]


def remember_provider_tags(conn: Conn, content_ids: Sequence[uuid.UUID] | None = None) -> None:
    """Copy the providers' own tags into ``skill_tag`` so verdicts on them persist.

    A provider tag the provider has since dropped (the item changed after the tag was
    remembered, and its new version no longer lists the skill) is forgotten.
    """
    ids = list(content_ids) if content_ids is not None else None
    conn.execute(
        "DELETE FROM skill_tag t USING content_item c WHERE t.content_id = c.id "
        "AND t.origin = 'provider' AND c.updated_at > t.tagged_at "
        "AND (%(ids)s::uuid[] IS NULL OR t.content_id = ANY(%(ids)s)) AND NOT EXISTS ("
        "SELECT 1 FROM content_skill cs WHERE cs.content_id = t.content_id "
        "AND cs.skill_id = t.skill_id AND cs.origin = 'provider')",
        {"ids": ids},
    )
    conn.execute(
        "INSERT INTO skill_tag (content_id, skill_id, origin, weight, confidence) "
        "SELECT content_id, skill_id, 'provider', weight, 1 FROM content_skill "
        "WHERE origin = 'provider' AND (%(ids)s::uuid[] IS NULL OR content_id = ANY(%(ids)s)) "
        "ON CONFLICT (content_id, skill_id) DO UPDATE SET origin = 'provider', "
        "weight = excluded.weight, confidence = 1, tagged_at = now()",
        {"ids": ids},
    )


def materialise(
    conn: Conn,
    *,
    threshold: float,
    flag_limit: int,
    content_ids: Sequence[uuid.UUID] | None = None,
) -> int:
    """Rewrite ``content_skill`` of the items from their tags' states; returns how many
    applied tags they now have."""
    remember_provider_tags(conn, content_ids)
    states = tag_states(conn, threshold=threshold, flag_limit=flag_limit, content_ids=content_ids)
    ids = list(content_ids) if content_ids is not None else None
    conn.execute(
        "DELETE FROM content_skill WHERE (%(ids)s::uuid[] IS NULL OR content_id = ANY(%(ids)s)) "
        "AND (content_id, skill_id) IN (SELECT content_id, skill_id FROM skill_tag UNION "
        "SELECT content_id, skill_id FROM skill_tag_decision)",
        {"ids": ids},
    )
    applied = [s for s in states if s.state == "applied"]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO content_skill (content_id, skill_id, weight, origin) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (content_id, skill_id) DO UPDATE SET "
            "weight = excluded.weight, origin = excluded.origin",
            [(s.content_id, s.skill_id, s.weight, s.applied_origin) for s in applied],
        )
    return len(applied)


def content_ref(conn: Conn, provider: str, external_id: str) -> uuid.UUID:
    row = conn.execute(
        "SELECT id FROM content_item WHERE provider = %s AND external_id = %s",
        (provider, external_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no content item '{external_id}' from provider '{provider}'")
    return row[0]


def decide(
    conn: Conn,
    content_id: uuid.UUID,
    skill_id: str,
    decision: str,
    *,
    by: str,
    weight: float = 1.0,
) -> None:
    """Record an admin's accept / reject / add; it stands until the next decision."""
    conn.execute(
        "INSERT INTO skill_tag_decision (content_id, skill_id, decision, weight, decided_by) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (content_id, skill_id) DO UPDATE SET "
        "decision = excluded.decision, weight = excluded.weight, "
        "decided_by = excluded.decided_by, decided_at = clock_timestamp()",
        (content_id, skill_id, decision, weight, by),
    )


def flag(conn: Conn, content_id: uuid.UUID, skill_id: str, learner_id: uuid.UUID) -> bool:
    """A learner says the item does not teach the skill; once per learner and tag.

    :returns: whether this flag is new.
    """
    cur = conn.execute(
        "INSERT INTO skill_tag_flag (content_id, skill_id, learner_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (content_id, skill_id, learner_id) DO UPDATE SET "
        "occurred_at = clock_timestamp() RETURNING (xmax = 0)",
        (content_id, skill_id, learner_id),
    )
    return bool(cur.fetchone()[0])
