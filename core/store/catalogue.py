"""Organisation-level reference data: skills, prerequisites, job profiles, org units and
content items. None of it is about a person, so it carries no learner id."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import psycopg

from ..models import ContentItem, JobProfile, OrgUnit, Skill, SkillPrerequisite
from .records import WriteCounts, upsert_rows

Conn = psycopg.Connection[Any]

#: Content ids are derived from (provider, external id) so every process agrees on them.
CONTENT_NAMESPACE = uuid.UUID("6f1d2c1e-5b0a-4f7e-9a51-7d0c4e8b2a90")


def content_id(provider: str, external_id: str) -> uuid.UUID:
    return uuid.uuid5(CONTENT_NAMESPACE, f"{provider}\x1f{external_id}")


def upsert_skills(conn: Conn, skills: Sequence[Skill]) -> WriteCounts:
    return upsert_rows(
        conn,
        # A source that knows no description (an HR skill list) never erases one another
        # source gave (an LMS competency), so two sources naming a skill alike agree.
        "INSERT INTO skill (id, name, domain, description) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, domain = excluded.domain, "
        "description = coalesce(nullif(excluded.description, ''), skill.description) "
        "WHERE (skill.name, skill.domain, skill.description) IS DISTINCT FROM "
        "(excluded.name, excluded.domain, "
        "coalesce(nullif(excluded.description, ''), skill.description)) RETURNING (xmax = 0)",
        [(s.id, s.name, s.domain, s.description) for s in skills],
    )


def upsert_prerequisites(conn: Conn, prereqs: Sequence[SkillPrerequisite]) -> WriteCounts:
    return upsert_rows(
        conn,
        "INSERT INTO skill_prerequisite (skill_id, requires_skill_id, min_level) "
        "VALUES (%s, %s, %s) ON CONFLICT (skill_id, requires_skill_id) DO UPDATE SET "
        "min_level = excluded.min_level WHERE skill_prerequisite.min_level "
        "IS DISTINCT FROM excluded.min_level RETURNING (xmax = 0)",
        [(p.skill_id, p.requires_skill_id, p.min_level) for p in prereqs],
    )


def upsert_job_profiles(conn: Conn, profiles: Sequence[JobProfile]) -> WriteCounts:
    counts = upsert_rows(
        conn,
        "INSERT INTO job_profile (id, name, family, management_level) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, family = excluded.family, "
        "management_level = excluded.management_level WHERE (job_profile.name, "
        "job_profile.family, job_profile.management_level) IS DISTINCT FROM "
        "(excluded.name, excluded.family, excluded.management_level) RETURNING (xmax = 0)",
        [(p.id, p.name, p.family, p.management_level) for p in profiles],
    )
    for profile in profiles:
        wanted = {r.skill_id: r for r in profile.requirements}
        conn.execute(
            "DELETE FROM job_profile_skill WHERE job_profile_id = %s AND NOT skill_id = ANY(%s)",
            (profile.id, list(wanted)),
        )
    upsert_rows(
        conn,
        "INSERT INTO job_profile_skill (job_profile_id, skill_id, target_level, weight) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (job_profile_id, skill_id) DO UPDATE SET "
        "target_level = excluded.target_level, weight = excluded.weight WHERE "
        "(job_profile_skill.target_level, job_profile_skill.weight) IS DISTINCT FROM "
        "(excluded.target_level, excluded.weight) RETURNING (xmax = 0)",
        [(p.id, r.skill_id, r.target_level, r.weight) for p in profiles for r in p.requirements],
    )
    return counts


def upsert_org_units(conn: Conn, units: Sequence[OrgUnit]) -> WriteCounts:
    return upsert_rows(
        conn,
        "INSERT INTO org_unit (source, external_id, name, kind, parent_external_id) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (source, external_id) DO UPDATE SET "
        "name = excluded.name, kind = excluded.kind, "
        "parent_external_id = excluded.parent_external_id, updated_at = now() "
        "WHERE (org_unit.name, org_unit.kind, org_unit.parent_external_id) "
        "IS DISTINCT FROM (excluded.name, excluded.kind, excluded.parent_external_id) "
        "RETURNING (xmax = 0)",
        [(u.source, u.external_id, u.name, u.kind, u.parent_external_id) for u in units],
    )


def _content_hash(item: ContentItem) -> str:
    payload = item.model_dump(mode="json", exclude={"retired_at"})
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def upsert_content(conn: Conn, items: Sequence[ContentItem]) -> WriteCounts:
    """Insert or update items; an unchanged item (same content hash) is not touched.

    A changed item loses its embedding so the embedding task recomputes it.
    """
    ids = [content_id(i.provider, i.external_id) for i in items]
    stored = dict(
        conn.execute(
            "SELECT id, content_hash FROM content_item WHERE id = ANY(%s) AND retired_at IS NULL",
            (ids,),
        ).fetchall()
    )
    changed = [i for cid, i in zip(ids, items, strict=True) if stored.get(cid) != _content_hash(i)]
    rows = [
        (
            content_id(i.provider, i.external_id),
            i.provider,
            i.external_id,
            i.title,
            i.summary,
            i.format.value,
            i.duration_minutes,
            i.difficulty,
            i.language,
            str(i.launch_url),
            i.activity_id,
            _content_hash(i),
        )
        for i in items
    ]
    counts = upsert_rows(
        conn,
        "INSERT INTO content_item (id, provider, external_id, title, summary, format, "
        "duration_minutes, difficulty, language, launch_url, activity_id, content_hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (provider, external_id) DO UPDATE SET title = excluded.title, "
        "summary = excluded.summary, format = excluded.format, "
        "duration_minutes = excluded.duration_minutes, difficulty = excluded.difficulty, "
        "language = excluded.language, launch_url = excluded.launch_url, "
        "activity_id = excluded.activity_id, content_hash = excluded.content_hash, "
        "embedding = NULL, updated_at = now(), retired_at = NULL "
        "WHERE content_item.content_hash <> excluded.content_hash "
        "OR content_item.retired_at IS NOT NULL RETURNING (xmax = 0)",
        rows,
    )
    if changed:
        ids = [content_id(i.provider, i.external_id) for i in changed]
        conn.execute("DELETE FROM content_skill WHERE content_id = ANY(%s)", (ids,))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO content_skill (content_id, skill_id, weight) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [
                    (cid, s.skill_id, s.weight)
                    for cid, i in zip(ids, changed, strict=True)
                    for s in i.skills
                ],
            )
    return counts


def retire_content(conn: Conn, provider: str, external_ids: Sequence[str]) -> int:
    """Mark items the provider no longer offers as retired (never recommended again)."""
    if not external_ids:
        return 0
    cur = conn.execute(
        "UPDATE content_item SET retired_at = now() WHERE provider = %s "
        "AND external_id = ANY(%s) AND retired_at IS NULL",
        (provider, list(external_ids)),
    )
    return cur.rowcount


def retire_missing(conn: Conn, provider: str, live_external_ids: Sequence[str]) -> int:
    """Retire every live item of ``provider`` whose external id is not in the list."""
    cur = conn.execute(
        "UPDATE content_item SET retired_at = now() WHERE provider = %s "
        "AND retired_at IS NULL AND NOT external_id = ANY(%s)",
        (provider, list(live_external_ids)),
    )
    return cur.rowcount
