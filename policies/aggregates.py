"""Aggregates: team totals for managers and organisation-wide totals for L&D staff; never
one person, never fewer than k.

A manager may read the aggregate of a team they manage only when the team has at least ``k``
members (``k_anonymity.min_group_size``); within it, every figure shown rests on at least
``k`` people, and figures that would rest on fewer are withheld (counted in
``suppressed_skills``). Records enter the totals under the same rules as the governed view:
category serves the purpose, within retention, not opted out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from ..core.errors import NotFound
from ..core.models import DataCategory
from .access import Resource, Subject
from .consent import opted_out_many
from .engine import PolicyEngine
from .retention import cutoff

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class SkillAggregate:
    skill_id: str
    people: int
    events: int
    completions: int
    mean_score: float | None


@dataclass(frozen=True)
class TeamAggregate:
    source: str
    unit_external_id: str
    purpose: str
    k: int
    members: int
    active_people: int | None
    skills: tuple[SkillAggregate, ...]
    suppressed_skills: int
    policy_version: int | None
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "unit": self.unit_external_id,
            "purpose": self.purpose,
            "k": self.k,
            "members": self.members,
            "active_people": self.active_people,
            "skills": [s.__dict__ for s in self.skills],
            "suppressed_skills": self.suppressed_skills,
            "policy_version": self.policy_version,
        }


def team_aggregate(
    conn: Conn,
    engine: PolicyEngine,
    viewer: Subject,
    source: str,
    unit_external_id: str,
    *,
    purpose: str = "manager_team_view",
    as_of: datetime | None = None,
) -> TeamAggregate:
    """Totals over the members of one team, for someone allowed to see them.

    :raises NotFound: the team has no members. :raises AccessDenied: the viewer does not
        manage the team, the purpose is not permitted, or the team is smaller than k
        (audited).
    """
    engine.refresh(conn)
    rows = conn.execute(
        "SELECT learner_id, is_manager FROM team_membership "
        "WHERE source = %s AND unit_external_id = %s",
        (source, unit_external_id),
    ).fetchall()
    if not rows:
        raise NotFound(f"no team '{unit_external_id}' from source '{source}'")
    managers = frozenset(lid for lid, is_manager in rows if is_manager)
    members = sorted({lid for lid, is_manager in rows if not is_manager})
    resource = Resource("team_aggregate", managers=managers, group_size=len(members))
    engine.authorize(conn, viewer, "read", resource, purpose, detail={"unit": unit_external_id})
    now = as_of or datetime.now(UTC)
    active, visible, suppressed = _totals(conn, engine, members, purpose, now)
    return TeamAggregate(
        source=source,
        unit_external_id=unit_external_id,
        purpose=purpose,
        k=engine.policy.k,
        members=len(members),
        active_people=active,
        skills=visible,
        suppressed_skills=suppressed,
        policy_version=engine.version,
        as_of=now,
    )


def learning_aggregate(
    conn: Conn,
    engine: PolicyEngine,
    viewer: Subject,
    *,
    purpose: str = "learning_analytics",
    as_of: datetime | None = None,
) -> TeamAggregate:
    """Organisation-wide totals (for L&D staff), under the same k rules as team totals.

    :raises AccessDenied: the viewer may not read organisation-wide totals for ``purpose``,
        or fewer than k learners are known (audited).
    """
    engine.refresh(conn)
    members = [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]
    resource = Resource("learning_aggregate", group_size=len(members))
    engine.authorize(conn, viewer, "read", resource, purpose)
    now = as_of or datetime.now(UTC)
    active, visible, suppressed = _totals(conn, engine, members, purpose, now)
    return TeamAggregate(
        source="",
        unit_external_id="*",
        purpose=purpose,
        k=engine.policy.k,
        members=len(members),
        active_people=active,
        skills=visible,
        suppressed_skills=suppressed,
        policy_version=engine.version,
        as_of=now,
    )


def _totals(
    conn: Conn, engine: PolicyEngine, members: list[UUID], purpose: str, now: datetime
) -> tuple[int | None, tuple[SkillAggregate, ...], int]:
    """(active people or None, visible skill figures, number of suppressed skills).

    Records count under the governed view's rules: category serves the purpose, within
    retention, not opted out.
    """
    policy = engine.policy
    serving = [c for c in DataCategory if policy.serves(c, purpose)]
    opted = opted_out_many(conn, members)
    people: dict[str, set[UUID]] = defaultdict(set)
    events: dict[str, int] = defaultdict(int)
    completions: dict[str, int] = defaultdict(int)
    scores: dict[str, list[float]] = defaultdict(list)
    scored: dict[str, set[UUID]] = defaultdict(set)
    active: set[UUID] = set()
    for learner_id, category, occurred_at, skill_ids, completion, score in conn.execute(
        "SELECT learner_id, data_category::text, occurred_at, skill_ids, completion, "
        "score_scaled FROM learning_event WHERE learner_id = ANY(%s) AND NOT voided "
        "AND data_category::text = ANY(%s)",
        (members, [c.value for c in serving]),
    ):
        cat = DataCategory(category)
        if occurred_at < cutoff(policy.categories[cat].retention, now):
            continue
        if opted.get(learner_id, set()) & set(policy.families_of("events", cat)):
            continue
        active.add(learner_id)
        for skill in skill_ids:
            people[skill].add(learner_id)
            events[skill] += 1
            completions[skill] += 1 if completion else 0
            if score is not None:
                scores[skill].append(score)
                scored[skill].add(learner_id)
    k = policy.k
    visible = tuple(
        SkillAggregate(
            skill,
            len(people[skill]),
            events[skill],
            completions[skill],
            # A mean is shown only when at least k people's scores stand behind it.
            round(sum(scores[skill]) / len(scores[skill]), 4) if len(scored[skill]) >= k else None,
        )
        for skill in sorted(people)
        if len(people[skill]) >= k
    )
    return (len(active) if len(active) >= k else None), visible, len(people) - len(visible)
