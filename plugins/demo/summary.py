"""What the store holds from the sample organisation's sources, counted in the database
(so a resumed or repeated load reports the same organisation as the first)."""

from __future__ import annotations

from typing import Any

from ...core.store import Database, one
from .catalogue import PROVIDER
from .source import CALENDAR_SOURCE, HR_SOURCE, LRS_SOURCE
from .taxonomy import SKILLS


def demo_summary(db: Database) -> dict[str, Any]:
    with db.connection() as conn:
        departments = [
            {"department": name, "teams": teams, "people": people}
            for name, teams, people in conn.execute(
                "SELECT d.name, count(DISTINCT u.external_id) FILTER (WHERE u.kind = 'team'), "
                "count(m.learner_id) FROM org_unit d "
                "JOIN org_unit u ON u.source = d.source AND (u.external_id = d.external_id "
                "OR u.parent_external_id = d.external_id) "
                "LEFT JOIN team_membership m ON m.source = u.source "
                "AND m.unit_external_id = u.external_id "
                "WHERE d.source = %s AND d.kind = 'department' GROUP BY d.name ORDER BY d.name",
                (HR_SOURCE,),
            )
        ]
        roles = [
            {"job_profile": pid, "name": name, "learners": n}
            for pid, name, n in conn.execute(
                "SELECT f.value #>> '{}', coalesce(p.name, f.value #>> '{}'), count(*) "
                "FROM hr_fact f LEFT JOIN job_profile p ON p.id = f.value #>> '{}' "
                "WHERE f.source = %s AND f.fact_type = 'job_profile' GROUP BY 1, 2 "
                "ORDER BY 3 DESC, 1",
                (HR_SOURCE,),
            )
        ]
        skills, prerequisites = one(
            conn.execute(
                "SELECT (SELECT count(*) FROM skill WHERE id = ANY(%s)), "
                "(SELECT count(*) FROM skill_prerequisite WHERE skill_id = ANY(%s))",
                ([s.id for s in SKILLS], [s.id for s in SKILLS]),
            )
        )
        formats = dict(
            conn.execute(
                "SELECT format, count(*) FROM content_item WHERE provider = %s "
                "AND retired_at IS NULL GROUP BY format ORDER BY format",
                (PROVIDER,),
            ).fetchall()
        )
        verbs = dict(
            conn.execute(
                "SELECT split_part(verb, '/', -1), count(*) FROM learning_event "
                "WHERE source = %s GROUP BY 1 ORDER BY 2 DESC, 1",
                (LRS_SOURCE,),
            ).fetchall()
        )
        situations = dict(
            conn.execute(
                "SELECT situation, count(*) FROM calendar_signal WHERE source = %s "
                "GROUP BY 1 ORDER BY 2 DESC, 1",
                (CALENDAR_SOURCE,),
            ).fetchall()
        )
    return {
        "departments": departments,
        "teams": sum(d["teams"] for d in departments),
        "learners": sum(r["learners"] for r in roles),
        "learners_per_role": roles,
        "skills": skills,
        "prerequisites": prerequisites,
        "content_items": sum(formats.values()),
        "content_by_format": formats,
        "statements": sum(verbs.values()),
        "statements_by_verb": verbs,
        "calendar_situations": sum(situations.values()),
        "calendar_by_situation": situations,
    }
