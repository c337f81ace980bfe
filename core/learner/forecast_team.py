"""The 90-day forecast aggregated for a manager, k-anonymously.

A manager sees, for the people in the units they manage, how many are likely to meet each
kind of gap on each skill within the horizon, never who. The policy decides (and audits)
whether the manager may read this ``team_aggregate`` for the purpose ``manager_team_view``;
each person's forecast is built from their governed view *for that purpose*, so categories
the purpose may not use (career plans, calendars, by default) never reach the totals. The
group must hold at least ``k`` people (after removing those who opted out of aggregates),
and any row resting on fewer than ``k`` people is withheld.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from ..errors import Forbidden
from ..governance import Governance, Resource, Subject
from ..governed_view import GovernedView
from ..models import DataCategory
from ..ranker.items import ItemMatrix
from .build import build_state
from .org import AGGREGATE_FAMILIES, OrgContext

Conn = psycopg.Connection[Any]
PURPOSE = "manager_team_view"
#: The purpose under which the learner model reads a person's own data.
LEARNER_PURPOSE = "development_recommendation"


class GroupTooSmall(Forbidden):
    """The manager's group is below the policy's minimum size for an aggregate."""


@dataclass(frozen=True)
class TeamForecastRow:
    kind: str
    skill_id: str
    skill: str
    people: int
    earliest_due: str


def team_members(conn: Conn, manager: UUID) -> list[UUID]:
    """People in the units ``manager`` manages, without those who opted out of aggregates."""
    rows = conn.execute(
        """
        SELECT DISTINCT tm.learner_id FROM team_membership tm
        JOIN team_membership mine ON mine.source = tm.source
             AND mine.unit_external_id = tm.unit_external_id
             AND mine.learner_id = %s AND mine.is_manager
        WHERE NOT tm.is_manager AND tm.learner_id <> %s AND NOT EXISTS (
            SELECT 1 FROM policy_opt_out o
            WHERE o.learner_id = tm.learner_id AND o.family = ANY(%s))
        ORDER BY 1
        """,
        (manager, manager, list(AGGREGATE_FAMILIES)),
    ).fetchall()
    return [r[0] for r in rows]


def team_forecast(
    conn: Conn,
    governance: Governance,
    manager: UUID,
    items: ItemMatrix,
    org: OrgContext,
    *,
    at: datetime,
) -> tuple[int, list[TeamForecastRow]]:
    """(group size, rows) for ``manager``'s group.

    :raises GroupTooSmall: fewer than ``k`` people can be counted. :raises AccessDenied:
        the policy refuses the manager this aggregate (audited)."""
    k = governance.min_group_size
    members = team_members(conn, manager)
    if len(members) < k:
        raise GroupTooSmall(
            f"the group has {len(members)} people who can be counted; the policy shows "
            f"aggregates over at least {k} (k_anonymity.min_group_size)"
        )
    resource = Resource("team_aggregate", managers=frozenset({manager}), group_size=len(members))
    governance.authorize(
        conn, Subject.manager(manager), "read", resource, PURPOSE, detail={"view": "forecast"}
    )
    # Each person's view as the learner model reads it, narrowed to the categories the policy
    # lets serve the manager's purpose (the engine decides per category, audited above).
    serves = {
        c: bool(governance.allowed(
            Subject.manager(manager), "read", replace(resource, category=c), PURPOSE
        ))
        for c in DataCategory
    }  # fmt: skip
    views = governance.governed_views(conn, members, LEARNER_PURPOSE, as_of=at)
    people: dict[tuple[str, str], set[UUID]] = defaultdict(set)
    due: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    for learner, view in views.items():
        state = build_state(_narrowed(view, serves), items, org)
        for gap in state.forecast:
            if gap.skill_id is None:
                continue  # calendar entries name no skill and are personal
            key = (gap.kind, gap.skill_id)
            people[key].add(learner)
            names[gap.skill_id] = gap.skill or gap.skill_id
            when = gap.due.isoformat()
            due[key] = min(due.get(key, when), when)
    rows = [
        TeamForecastRow(kind, sid, names[sid], len(who), due[(kind, sid)])
        for (kind, sid), who in people.items()
        if len(who) >= k
    ]
    rows.sort(key=lambda r: (-r.people, r.earliest_due, r.kind, r.skill_id))
    return len(members), rows


def _narrowed(view: GovernedView, serves: dict[DataCategory, bool]) -> GovernedView:
    return replace(
        view,
        purpose=PURPOSE,
        events=tuple(r for r in view.events if serves[r.data_category]),
        facts=tuple(r for r in view.facts if serves[r.data_category]),
        calendar=tuple(r for r in view.calendar if serves[r.data_category]),
        memberships=tuple(r for r in view.memberships if serves[r.data_category]),
    )
