"""Managers' observation prompts and their k-anonymous results.

At an outcome horizon after a team learned something, each manager of the team is asked
"have you seen your team apply X?". The question is about the team, never one person: it is
asked only when the team has at least ``k`` countable members *and* at least ``k`` of them
completed an item on X in the window before the horizon, the policy must let the manager
read team aggregates (purpose ``manager_team_view``), and results are reported only for
teams of at least ``k``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from ..governance import Governance, Resource, Subject
from ..learner.org import AGGREGATE_FAMILIES
from .record import team_size
from .responses import survey_responses
from .vocabulary import EXT_SKILL, EXT_TEAM, OBSERVATION, OBSERVATION_VERB

Conn = psycopg.Connection[Any]
PURPOSE = "manager_team_view"
#: Completions counted for a prompt fall in this many days before the horizon.
WINDOW_DAYS = 30
#: Answers that count as "seen applying" in the share reported.
SEEN = ("seen_often", "seen_sometimes")


@dataclass(frozen=True)
class ObservationPrompt:
    team_id: str  # "source:unit"
    team_name: str
    skill_id: str
    skill_name: str
    learners: int  # how many of the team learned it (always at least k)


@dataclass(frozen=True)
class TeamObservation:
    team_id: str
    skill_id: str
    team_size: int
    answers: dict[str, int]
    #: Share of the managers' answers (excluding "cannot tell") that saw it applied.
    share_seen: float | None


@dataclass
class ObservationResults:
    k: int
    teams: list[TeamObservation] = field(default_factory=list)
    #: Teams with answers that are smaller than k now: counted, never shown.
    withheld_teams: int = 0


def observation_prompts(
    conn: Conn,
    governance: Governance,
    manager_id: UUID,
    *,
    at: datetime,
    horizon_days: int,
    limit: int = 3,
) -> list[ObservationPrompt]:
    """The questions waiting for ``manager_id``: per team they manage and skill that at
    least k members completed between ``horizon_days + WINDOW_DAYS`` and ``horizon_days``
    ago, unless they answered it since the horizon began."""
    k = governance.min_group_size
    horizon = at - timedelta(days=horizon_days)
    rows = conn.execute(
        """
        WITH teams AS (
            SELECT source, unit_external_id FROM team_membership
            WHERE learner_id = %(m)s AND is_manager
        ), members AS (
            SELECT DISTINCT tm.source, tm.unit_external_id, tm.learner_id
            FROM team_membership tm JOIN teams t USING (source, unit_external_id)
            WHERE NOT tm.is_manager AND tm.learner_id <> %(m)s AND NOT EXISTS (
                SELECT 1 FROM policy_opt_out o
                WHERE o.learner_id = tm.learner_id AND o.family = ANY(%(families)s))
        ), sizes AS (
            SELECT source, unit_external_id, count(*) AS n FROM members GROUP BY 1, 2
        ), learned AS (
            SELECT m.source, m.unit_external_id, cs.skill_id,
                   count(DISTINCT m.learner_id) AS people
            FROM members m
            JOIN learning_event e ON e.learner_id = m.learner_id AND e.completion
                 AND NOT e.voided AND e.data_category <> 'feedback'
                 AND e.occurred_at >= %(start)s AND e.occurred_at < %(horizon)s
            JOIN content_skill cs ON cs.content_id = e.content_id
            GROUP BY 1, 2, 3
        )
        SELECT l.source, l.unit_external_id, coalesce(u.name, l.unit_external_id),
               l.skill_id, s.name, l.people, z.n
        FROM learned l JOIN sizes z USING (source, unit_external_id)
        JOIN skill s ON s.id = l.skill_id
        LEFT JOIN org_unit u ON u.source = l.source AND u.external_id = l.unit_external_id
        WHERE z.n >= %(k)s AND l.people >= %(k)s AND NOT EXISTS (
            SELECT 1 FROM learning_event a
            WHERE a.learner_id = %(m)s AND a.verb = %(verb)s AND NOT a.voided
              AND a.occurred_at >= %(horizon)s
              AND a.statement->'context'->'extensions'->>%(ext_team)s
                  = l.source || ':' || l.unit_external_id
              AND a.statement->'context'->'extensions'->>%(ext_skill)s = l.skill_id)
        ORDER BY l.people DESC, l.source, l.unit_external_id, l.skill_id
        """,
        {
            "m": manager_id,
            "families": list(AGGREGATE_FAMILIES),
            "start": horizon - timedelta(days=WINDOW_DAYS),
            "horizon": horizon,
            "k": k,
            "verb": OBSERVATION_VERB,
            "ext_team": EXT_TEAM,
            "ext_skill": EXT_SKILL,
        },
    ).fetchall()
    out: list[ObservationPrompt] = []
    for source, unit, team_name, skill, skill_name, people, size in rows:
        resource = Resource("team_aggregate", managers=frozenset({manager_id}), group_size=size)
        # The prompt itself says "k or more of your team learned X": an aggregate the policy
        # must allow this manager, like any team figure.
        if not governance.allowed(Subject.manager(manager_id), "read", resource, PURPOSE):
            continue
        out.append(ObservationPrompt(f"{source}:{unit}", team_name, skill, skill_name, people))
        if len(out) >= limit:
            break
    return out


def observation_results(
    conn: Conn,
    *,
    k: int,
    since: datetime,
    until: datetime,
    team_ids: list[str] | None = None,
) -> ObservationResults:
    """Per team and skill, how the team's managers answered in ``[since, until)`` (each
    manager's latest answer), for teams of at least ``k`` countable members now; smaller
    teams are only counted in ``withheld_teams``."""
    answers: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for r in survey_responses(conn, kind=OBSERVATION, since=since, until=until):
        if r.team_id and r.skill_id and (team_ids is None or r.team_id in team_ids):
            answers[(r.team_id, r.skill_id)][r.answer] += 1
    results = ObservationResults(k=k)
    sizes = {team: team_size(conn, team) for team in {t for t, _ in answers}}
    results.withheld_teams = sum(1 for n in sizes.values() if n < k)
    for (team, skill), counts in sorted(answers.items()):
        if sizes[team] < k:
            continue
        judged = sum(n for a, n in counts.items() if a != "cannot_tell")
        seen = sum(counts[a] for a in SEEN)
        results.teams.append(
            TeamObservation(
                team, skill, sizes[team], dict(counts), seen / judged if judged else None
            )
        )
    return results
