"""Read-only queries behind the overview pages: the organisation, job profiles, catalogue,
learners, and one learner's role, activity, upcoming situations and role-relevant items.

Everything reads what intake stored, from any source; learners appear only by their
pseudonymous id. Queries are bounded (paged lists, per-learner index lookups) so the pages
stay quick at 100,000 learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from ...core.store import one

Conn = psycopg.Connection[Any]

PAGE_SIZE = 50
TEAMS_SHOWN = 40
ACTIVITY_DAYS = 30
#: Verbs whose statement means the person finished the item.
FINISHING_VERBS = tuple(
    f"http://adlnet.gov/expapi/verbs/{v}" for v in ("completed", "passed", "experienced")
)


def reference_time(conn: Conn) -> datetime:
    """The time the stored data describes: the latest statement or calendar snapshot
    (``now`` for an empty store). Recent activity and upcoming situations are relative to it,
    so a generated organisation reads the same on any day it is looked at."""
    row = conn.execute(
        "SELECT greatest("
        "(SELECT max(t) FROM unnest(enum_range(NULL::data_category)) c, LATERAL "
        "(SELECT max(occurred_at) AS t FROM learning_event e WHERE e.data_category = c) x), "
        "(SELECT max(occurred_at) FROM calendar_signal))"
    ).fetchone()
    return row[0] if row and row[0] is not None else datetime.now(UTC)


def departments(conn: Conn) -> list[dict[str, Any]]:
    """Departments with their people and teams (largest first, at most TEAMS_SHOWN)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for source, dept_id, dept, head_count in conn.execute(
        "SELECT d.source, d.external_id, d.name, count(m.learner_id) FROM org_unit d "
        "LEFT JOIN team_membership m ON m.source = d.source "
        "AND m.unit_external_id = d.external_id WHERE d.kind = 'department' "
        "GROUP BY 1, 2, 3 ORDER BY d.name, 1, 2"
    ):
        out[(source, dept_id)] = {
            "name": dept,
            "unit": dept_id,
            "people": head_count,
            "teams": [],
            "team_count": 0,
        }
    for source, parent, team_id, team, size, managers in conn.execute(
        "SELECT t.source, t.parent_external_id, t.external_id, t.name, count(m.learner_id), "
        "count(m.learner_id) FILTER (WHERE m.is_manager) FROM org_unit t "
        "LEFT JOIN team_membership m ON m.source = t.source "
        "AND m.unit_external_id = t.external_id WHERE t.kind = 'team' "
        "GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, t.name"
    ):
        dept = out.get((source, parent))
        if dept is None:
            continue
        dept["people"] += size
        dept["team_count"] += 1
        if len(dept["teams"]) < TEAMS_SHOWN:
            dept["teams"].append(
                {"unit": team_id, "name": team, "people": size, "managers": managers}
            )
    return list(out.values())


def job_profiles(conn: Conn) -> list[dict[str, Any]]:
    """Job profiles with their required skills (largest weight first) and head count."""
    people = dict(
        conn.execute(
            "SELECT value #>> '{}', count(DISTINCT learner_id) FROM hr_fact "
            "WHERE fact_type = 'job_profile' GROUP BY 1"
        ).fetchall()
    )
    profiles: dict[str, dict[str, Any]] = {}
    for pid, name, family, level, skill_id, skill, target, weight in conn.execute(
        "SELECT p.id, p.name, p.family, p.management_level, r.skill_id, s.name, "
        "r.target_level, r.weight FROM job_profile p "
        "LEFT JOIN job_profile_skill r ON r.job_profile_id = p.id "
        "LEFT JOIN skill s ON s.id = r.skill_id "
        "ORDER BY p.family, p.name, r.weight * r.target_level DESC, r.skill_id"
    ):
        profile = profiles.setdefault(
            pid,
            {
                "id": pid,
                "name": name,
                "family": family,
                "level": level.replace("_", " "),
                "people": people.get(pid, 0),
                "skills": [],
            },
        )
        if skill_id is not None:
            profile["skills"].append(
                {"id": skill_id, "name": skill, "target": target, "weight": weight}
            )
    return list(profiles.values())


def catalogue_by_format(conn: Conn) -> list[dict[str, Any]]:
    return [
        {"format": fmt, "count": n, "minutes": minutes, "shortest": lo, "longest": hi}
        for fmt, n, minutes, lo, hi in conn.execute(
            "SELECT format, count(*), round(avg(duration_minutes)::numeric, 1), "
            "min(duration_minutes), max(duration_minutes) FROM content_item "
            "WHERE retired_at IS NULL GROUP BY format ORDER BY 2 DESC, 1"
        )
    ]


@dataclass
class LearnerPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    unit: dict[str, str] | None


def learners(conn: Conn, page: int = 1, unit: str | None = None) -> LearnerPage:
    """One page of learners (by pseudonymous id), optionally those of one org unit."""
    unit_row = None
    if unit:
        unit_row = conn.execute(
            "SELECT external_id, name FROM org_unit WHERE external_id = %s LIMIT 1", (unit,)
        ).fetchone()
    if unit and unit_row is None:
        return LearnerPage([], 0, 1, 1, None)
    where = (
        "WHERE EXISTS (SELECT 1 FROM team_membership m JOIN org_unit u ON u.source = m.source "
        "AND u.external_id = m.unit_external_id WHERE m.learner_id = l.id "
        "AND (u.external_id = %(unit)s OR u.parent_external_id = %(unit)s))"
        if unit
        else ""
    )
    params: dict[str, Any] = {"unit": unit}
    total = one(conn.execute(f"SELECT count(*) FROM learner l {where}", params))[0]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    params.update(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    rows = [
        {"id": lid, "role": role, "unit": unit_name, "manager": is_manager, "timezone": tz}
        for lid, role, unit_name, is_manager, tz in conn.execute(
            "SELECT l.id, jp.name, u.name, m.is_manager, l.timezone FROM learner l "
            "LEFT JOIN LATERAL (SELECT value #>> '{}' AS pid FROM hr_fact f "
            "WHERE f.learner_id = l.id AND f.fact_type = 'job_profile' "
            "ORDER BY f.occurred_at DESC LIMIT 1) f ON true "
            "LEFT JOIN job_profile jp ON jp.id = f.pid "
            "LEFT JOIN LATERAL (SELECT m.source, m.unit_external_id, m.is_manager "
            "FROM team_membership m WHERE m.learner_id = l.id "
            "ORDER BY m.occurred_at DESC LIMIT 1) m ON true "
            "LEFT JOIN org_unit u ON u.source = m.source AND u.external_id = m.unit_external_id "
            f"{where} ORDER BY l.id LIMIT %(limit)s OFFSET %(offset)s",
            params,
        )
    ]
    unit_info = {"unit": unit_row[0], "name": unit_row[1]} if unit_row else None
    return LearnerPage(rows, total, page, pages, unit_info)


def learner(conn: Conn, learner_id: UUID, at: datetime) -> dict[str, Any] | None:
    """One learner's role, units, activity in the ACTIVITY_DAYS before ``at``, situations
    from ``at`` on, and live catalogue items for their role's three largest requirements."""
    row = conn.execute(
        "SELECT id, timezone, locale FROM learner WHERE id = %s", (learner_id,)
    ).fetchone()
    if row is None:
        return None
    profile = conn.execute(
        "SELECT p.id, p.name, p.management_level FROM hr_fact f "
        "JOIN job_profile p ON p.id = f.value #>> '{}' WHERE f.learner_id = %s "
        "AND f.fact_type = 'job_profile' ORDER BY f.occurred_at DESC LIMIT 1",
        (learner_id,),
    ).fetchone()
    units = [
        {"unit": uid, "name": name, "kind": kind, "parent": parent, "manager": is_manager}
        for uid, name, kind, parent, is_manager in conn.execute(
            "SELECT u.external_id, u.name, u.kind, p.name, m.is_manager "
            "FROM team_membership m JOIN org_unit u ON u.source = m.source "
            "AND u.external_id = m.unit_external_id LEFT JOIN org_unit p "
            "ON p.source = u.source AND p.external_id = u.parent_external_id "
            "WHERE m.learner_id = %s ORDER BY u.name",
            (learner_id,),
        )
    ]
    since = at - timedelta(days=ACTIVITY_DAYS)
    activity = [
        {"verb": verb, "statements": n, "last": last}
        for verb, n, last in conn.execute(
            "SELECT split_part(verb, '/', -1), count(*), max(occurred_at) FROM learning_event "
            "WHERE learner_id = %s AND occurred_at > %s AND occurred_at <= %s AND NOT voided "
            "GROUP BY 1 ORDER BY 2 DESC, 1",
            (learner_id, since, at),
        )
    ]
    situations = [
        {"situation": s.replace("_", " "), "starts_at": starts, "minutes": minutes}
        for s, starts, minutes in conn.execute(
            "SELECT situation, starts_at, duration_minutes FROM calendar_signal "
            "WHERE learner_id = %s AND starts_at >= %s ORDER BY starts_at LIMIT 12",
            (learner_id, at),
        )
    ]
    return {
        "id": row[0],
        "timezone": row[1],
        "locale": row[2],
        "profile": (
            {"id": profile[0], "name": profile[1], "level": profile[2].replace("_", " ")}
            if profile
            else None
        ),
        "units": units,
        "since": since,
        "activity": activity,
        "situations": situations,
        "focus": _role_items(conn, learner_id, profile[0]) if profile else [],
    }


def _role_items(conn: Conn, learner_id: UUID, profile_id: str) -> list[dict[str, Any]]:
    """The role's three largest requirements, each with up to three live items that teach it
    (items the learner has not finished first, then easiest first)."""
    skills = conn.execute(
        "SELECT r.skill_id, s.name, r.target_level FROM job_profile_skill r "
        "JOIN skill s ON s.id = r.skill_id WHERE r.job_profile_id = %s "
        "ORDER BY r.weight * r.target_level DESC, r.skill_id LIMIT 3",
        (profile_id,),
    ).fetchall()
    out = []
    for skill_id, name, target in skills:
        items = [
            {
                "title": title,
                "format": fmt,
                "minutes": minutes,
                "summary": summary,
                "url": url,
                "finished": finished,
            }
            for title, fmt, minutes, summary, url, finished in conn.execute(
                "SELECT c.title, c.format, c.duration_minutes, c.summary, c.launch_url, "
                "EXISTS (SELECT 1 FROM learning_event e WHERE e.learner_id = %s "
                "AND e.content_id = c.id AND e.verb = ANY(%s) AND e.completion IS NOT FALSE) "
                "AS finished FROM content_skill cs JOIN content_item c ON c.id = cs.content_id "
                "WHERE cs.skill_id = %s AND c.retired_at IS NULL "
                "ORDER BY finished, cs.weight DESC, c.difficulty, c.title LIMIT 3",
                (learner_id, list(FINISHING_VERBS), skill_id),
            )
        ]
        out.append({"skill": name, "skill_id": skill_id, "target": target, "entries": items})
    return out
