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
from datetime import UTC, datetime
from typing import Any

import psycopg

from ...core.errors import NotFound
from ...core.intake import Intake, IntakeReport
from ...core.models import DataCategory, learnwire_statement
from ...core.sources import SourceBatch

Conn = psycopg.Connection[Any]

SOURCE = "learnwire"
FLAG_VERB = "https://learnwire.dev/xapi/verbs/flag-tag"
FLAG_NAMESPACE = uuid.UUID("3f0d1c52-8a47-4b5e-9d0e-52a7c1e6b0f4")

_STATES = """
WITH keys AS (
    SELECT content_id, skill_id FROM skill_tag
    UNION SELECT content_id, skill_id FROM skill_tag_decision
), flags AS (
    SELECT c.id AS content_id, s.skill_id, count(DISTINCT e.learner_id) AS n
    FROM learning_event e
    JOIN content_item c ON e.object_id = coalesce(c.activity_id, c.launch_url)
    CROSS JOIN LATERAL unnest(e.skill_ids) AS s (skill_id)
    LEFT JOIN skill_tag_decision d ON d.content_id = c.id AND d.skill_id = s.skill_id
    WHERE e.data_category = 'feedback' AND e.verb = %(flag_verb)s AND NOT e.voided
    AND e.occurred_at > coalesce(d.decided_at, '-infinity')
    AND (%(ids)s::uuid[] IS NULL OR c.id = ANY(%(ids)s::uuid[]))
    GROUP BY 1, 2
)
SELECT k.content_id, k.skill_id, t.origin, t.confidence, d.decision, coalesce(f.n, 0),
    CASE WHEN coalesce(f.n, 0) >= %(flag_limit)s THEN 'review'
         WHEN d.decision IN ('accept', 'add') THEN 'applied'
         WHEN d.decision = 'reject' THEN 'rejected'
         -- Claude denied a machine tag (tags verify): a person decides.
         WHEN t.origin = 'machine' AND v.verdict = 'deny' THEN 'review'
         WHEN t.origin = 'provider' THEN 'applied'
         WHEN t.confidence >= greatest(%(threshold)s, coalesce(t.apply_at, 0)) THEN 'applied'
         ELSE 'review' END AS state,
    CASE WHEN d.decision IS NOT NULL THEN 'admin' ELSE t.origin END AS applied_origin,
    CASE WHEN d.decision = 'add' OR t.weight IS NULL THEN d.weight ELSE t.weight END AS weight,
    v.verdict, t.via_skill_id
FROM keys k
JOIN content_item c ON c.id = k.content_id
LEFT JOIN skill_tag t USING (content_id, skill_id)
LEFT JOIN skill_tag_decision d USING (content_id, skill_id)
LEFT JOIN flags f USING (content_id, skill_id)
LEFT JOIN skill_tag_verification v ON v.content_id = k.content_id AND v.skill_id = k.skill_id
    AND v.item_updated_at = c.updated_at
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
    verdict: str | None = None  # Claude's confirm / deny on the item's current text
    via_skill_id: str | None = None  # a co-label suggestion: the skill the text suggests


def review_reason(state: TagState, flag_limit: int) -> str:
    """Why a tag in the review queue waits for a person."""
    if state.flags >= flag_limit:
        return "flagged by learners"
    if state.verdict == "deny" and state.origin == "machine":
        return "Claude denied it"
    if state.via_skill_id is not None and state.origin == "machine":
        return (
            "confidence below threshold; proposed because items like it (mainly "
            f"{state.via_skill_id}) are usually also tagged {state.skill_id} by this organisation"
        )
    return "confidence below threshold"


def reviewed_tags(conn: Conn) -> list[tuple[uuid.UUID, float, str, str, dict[str, float]]]:
    """The live items' tags people made or confirmed, the organisation's own labelling:
    providers' tags (the file's ``skills`` column, Moodle competencies) and admins'
    accepts and adds, without any an admin rejected; never a machine tag by itself.

    :returns: ``(content_id, difficulty, title, summary, {skill_id: weight})`` per item
        with at least one, in a stable pseudo-random order (a prefix is a fair sample).
    """
    rows = conn.execute(
        "WITH reviewed AS ("
        " SELECT content_id, skill_id, weight FROM skill_tag WHERE origin = 'provider'"
        " UNION ALL SELECT content_id, skill_id, weight FROM content_skill"
        " WHERE origin = 'provider'"
        " UNION ALL SELECT content_id, skill_id, weight FROM skill_tag_decision"
        " WHERE decision IN ('accept', 'add')"
        ") SELECT c.id, c.difficulty, c.title, coalesce(c.summary, ''), r.skill_id,"
        " max(CASE WHEN d.decision = 'add' THEN d.weight ELSE coalesce(t.weight, r.weight) END)"
        " FROM reviewed r JOIN content_item c ON c.id = r.content_id"
        " LEFT JOIN skill_tag t ON t.content_id = r.content_id AND t.skill_id = r.skill_id"
        " LEFT JOIN skill_tag_decision d ON d.content_id = r.content_id"
        " AND d.skill_id = r.skill_id"
        " WHERE c.retired_at IS NULL AND d.decision IS DISTINCT FROM 'reject'"
        " GROUP BY c.id, c.difficulty, c.title, c.summary, r.skill_id"
        " ORDER BY md5(c.id::text), c.id"
    ).fetchall()
    out: dict[uuid.UUID, tuple[uuid.UUID, float, str, str, dict[str, float]]] = {}
    for cid, difficulty, title, summary, skill_id, weight in rows:
        item = out.setdefault(cid, (cid, float(difficulty), title, summary, {}))
        item[4][skill_id] = float(weight)
    return list(out.values())


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
            "flag_verb": FLAG_VERB,
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


def flag(
    conn: Conn, intake: Intake, content_id: uuid.UUID, skill_id: str, learner_id: uuid.UUID
) -> IntakeReport:
    """A learner says the item does not teach the skill.

    Stored as a feedback statement through intake, so the policies that govern ratings
    (consent, retention, erasure) govern flags too. One learner counts once per tag.
    """
    row = conn.execute(
        "SELECT coalesce(activity_id, launch_url) FROM content_item WHERE id = %s",
        (content_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no content item {content_id}")
    when = datetime.now(UTC)
    statement_id = uuid.uuid5(FLAG_NAMESPACE, f"{learner_id}|{content_id}|{skill_id}|{when}")
    event = learnwire_statement(
        statement_id=statement_id,
        learner_id=learner_id,
        source=SOURCE,
        data_category=DataCategory.FEEDBACK,
        occurred_at=when,
        verb=FLAG_VERB,
        verb_display="flagged tag",
        object_id=row[0],
        skill_ids=[skill_id],
        context={"extensions": {FLAG_VERB: skill_id}},
    )
    return intake.store(conn, SourceBatch(events=[event]), source=SOURCE)
