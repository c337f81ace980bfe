"""The 90-day forecast aggregated for a manager, k-anonymously.

A manager sees, for the people in the units they manage, how many are likely to meet each
kind of gap on each skill within the horizon, never who. The group must hold at least the
policy's ``k_anonymity.min_group_size`` people (after removing those who opted out of
aggregates), and any row resting on fewer than ``k`` people is withheld.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from ..errors import Forbidden
from .forecast import ForecastGap
from .org import AGGREGATE_FAMILIES

Conn = psycopg.Connection[Any]


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
    manager: UUID,
    forecast_of: Callable[[UUID], list[ForecastGap]],
    *,
    k: int,
) -> tuple[int, list[TeamForecastRow]]:
    """(group size, rows) for ``manager``'s group; ``forecast_of`` gives one person's
    forecast (built from that person's governed view). Raises :class:`GroupTooSmall`."""
    members = team_members(conn, manager)
    if len(members) < k:
        raise GroupTooSmall(
            f"the group has {len(members)} people who can be counted; the policy shows "
            f"aggregates over at least {k} (k_anonymity.min_group_size)"
        )
    people: dict[tuple[str, str], set[UUID]] = defaultdict(set)
    due: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    for learner in members:
        for gap in forecast_of(learner):
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
