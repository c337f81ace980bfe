"""What ``/team`` shows a manager: totals over the teams HR says they manage, never one
person, nothing for fewer than k people, nothing that differs from a recent view by fewer
than k.

The policy engine decides: the view's people are the aggregate's group (``group_size``), the
teams' managers its ``managers``, and a refusal for size is turned into a sentence that does
not say how many people there were. Records count under the governed view's rules: the
category serves ``manager_team_view``, within retention, not opted out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict

from learnwire.core.errors import Forbidden, NotFound
from learnwire.core.models import DataCategory
from learnwire.core.store import one
from learnwire.policies.access import Resource, Subject
from learnwire.policies.consent import opted_out_many
from learnwire.policies.engine import AccessDenied, PolicyEngine
from learnwire.policies.retention import cutoff

from .differencing import check_and_remember

Conn = psycopg.Connection[Any]
PURPOSE = "manager_team_view"
#: Opting out of either family takes a person out of their team's skill figures (as in the
#: ranker's team gaps, learnwire.core.learner.org).
AGGREGATE_FAMILIES = frozenset({"assessment_results", "job_profile"})
WEEKS = 12


class TooFewPeople(Forbidden):
    title = "not shown: group too small"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkillGap(_Out):
    skill_id: str
    name: str
    people: int
    mean_level: float
    mean_target: float
    mean_gap: float
    priority: float | None


class Week(_Out):
    week_start: str
    active_people: int | None
    completions: int | None


class TeamView(_Out):
    units: list[str]
    profile: str | None
    k: int
    people: int
    gaps: list[SkillGap]
    withheld_skills: int
    trend: list[Week]
    acting_share: float | None
    acting_window_days: int
    policy_version: int | None


@dataclass(frozen=True)
class Scope:
    units: tuple[tuple[str, str], ...]
    profile: str | None = None


def managed_units(conn: Conn, learner_id: UUID) -> list[tuple[str, str, str]]:
    """(source, unit, name) of the teams HR says ``learner_id`` manages."""
    return conn.execute(
        "SELECT m.source, m.unit_external_id, coalesce(u.name, m.unit_external_id) "
        "FROM team_membership m LEFT JOIN org_unit u ON u.source = m.source "
        "AND u.external_id = m.unit_external_id "
        "WHERE m.learner_id = %s AND m.is_manager ORDER BY 3, 1, 2",
        (learner_id,),
    ).fetchall()


def team_view(
    conn: Conn,
    engine: PolicyEngine,
    viewer: Subject,
    scope: Scope,
    *,
    key: bytes,
    window_hours: float,
    now: datetime | None = None,
) -> TeamView:
    """Totals for ``scope`` as ``viewer`` may see them.

    :raises TooFewPeople: fewer than k people (audited; says nothing of the count).
    :raises DifferencingRefused: a recent view differs by fewer than k people.
    :raises AccessDenied: the viewer does not manage every team in the scope.
    """
    engine.refresh(conn)
    now = now or datetime.now(UTC)
    policy = engine.policy
    people, managers = _people(conn, scope)
    if not managers:
        raise NotFound("no such team")
    resource = Resource("team_aggregate", managers=managers, group_size=len(people))
    try:
        engine.authorize(
            conn, viewer, "read", resource, PURPOSE, detail={"units": len(scope.units)}
        )
    except AccessDenied as exc:
        if exc.decision.rule == "k_anonymity.min_group_size":
            raise TooFewPeople(
                "This view covers fewer people than your organisation's minimum for team "
                "figures, so nothing about it is shown: with so few people, totals could "
                "reveal what one person did."
            ) from None
        raise
    check_and_remember(
        conn,
        requester=engine.actor(viewer),
        people=people,
        k=policy.k,
        key=key,
        window_hours=window_hours,
    )
    opted = opted_out_many(conn, people)
    counted = [p for p in people if not (opted.get(p, set()) & AGGREGATE_FAMILIES)]
    gaps, withheld = _gaps(conn, policy, counted, scope)
    return TeamView(
        units=[u for _, u in scope.units],
        profile=scope.profile,
        k=policy.k,
        people=len(people),
        gaps=gaps,
        withheld_skills=withheld,
        trend=_trend(conn, policy, people, opted, now),
        acting_share=_acting(conn, policy, people, now),
        acting_window_days=30,
        policy_version=engine.version,
    )


def _people(conn: Conn, scope: Scope) -> tuple[list[UUID], frozenset[UUID]]:
    """The scope's members (not its managers), and the people who manage every team in it."""
    rows = conn.execute(
        "SELECT m.source, m.unit_external_id, m.learner_id, m.is_manager, "
        "coalesce(f.value ->> 'id', f.value #>> '{}') FROM team_membership m "
        "LEFT JOIN hr_fact f ON f.learner_id = m.learner_id AND f.fact_type = 'job_profile' "
        "WHERE (m.source, m.unit_external_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
        ([s for s, _ in scope.units], [u for _, u in scope.units]),
    ).fetchall()
    managers: dict[tuple[str, str], set[UUID]] = defaultdict(set)
    members: set[UUID] = set()
    opted = opted_out_many(conn, [r[2] for r in rows]) if scope.profile else {}
    for source, unit, learner, is_manager, profile in rows:
        if is_manager:
            managers[(source, unit)].add(learner)
            continue
        # Filtering by role reads HR's job profile: not for people who opted out of it.
        if scope.profile is not None and (
            profile != scope.profile or "job_profile" in opted.get(learner, set())
        ):
            continue
        members.add(learner)
    if len(managers) < len(scope.units):
        return sorted(members), frozenset()
    common = frozenset.intersection(*(frozenset(m) for m in managers.values()))
    return sorted(members), common


def _gaps(conn: Conn, policy: Any, people: list[UUID], scope: Scope) -> tuple[list[SkillGap], int]:
    """Per required skill: mean level, target and gap over members with evidence, shown only
    when at least k people's evidence stands behind it."""
    if not policy.serves("derived", PURPOSE) or not policy.serves("hr_profile", PURPOSE):
        return [], 0
    rows = conn.execute(
        "SELECT jps.skill_id, s.name, count(*), avg(lm.p_mastery), avg(jps.target_level), "
        "avg(greatest(jps.target_level - lm.p_mastery, 0)) "
        "FROM hr_fact f "
        "JOIN job_profile_skill jps ON jps.job_profile_id = coalesce(f.value ->> 'id', "
        "f.value #>> '{}') "
        "JOIN skill s ON s.id = jps.skill_id "
        "JOIN learner_skill_mastery lm ON lm.learner_id = f.learner_id "
        "AND lm.skill_id = jps.skill_id "
        "WHERE f.fact_type = 'job_profile' AND f.learner_id = ANY(%s) "
        "GROUP BY 1, 2 ORDER BY 6 DESC, 2",
        (people,),
    ).fetchall()
    priorities = _priorities(conn, scope)
    shown = [
        SkillGap(
            skill_id=sid,
            name=name,
            people=int(n),
            mean_level=round(float(level), 3),
            mean_target=round(float(target), 3),
            mean_gap=round(float(gap), 3),
            priority=priorities.get(sid),
        )
        for sid, name, n, level, target, gap in rows
        if n >= policy.k
    ]
    return shown, len(rows) - len(shown)


def _priorities(conn: Conn, scope: Scope) -> dict[str, float]:
    out: dict[str, float] = {}
    for source, unit in scope.units:
        for sid, weight in conn.execute(
            "SELECT skill_id, weight FROM team_priority WHERE source = %s AND "
            "unit_external_id = %s AND (expires_at IS NULL OR expires_at > now())",
            (source, unit),
        ):
            out[sid] = max(out.get(sid, 0.0), float(weight))
    return out


def _trend(
    conn: Conn, policy: Any, people: list[UUID], opted: dict[UUID, set[str]], now: datetime
) -> list[Week]:
    """Active people and completions per week; a week with fewer than k active people shows
    neither."""
    start = (now - timedelta(weeks=WEEKS)).date()
    start -= timedelta(days=start.weekday())
    active: dict[int, set[UUID]] = defaultdict(set)
    completions: dict[int, int] = defaultdict(int)
    serving = [c for c in policy.categories if policy.serves(c, PURPOSE)]
    for learner, category, at, completion in conn.execute(
        "SELECT learner_id, data_category::text, occurred_at, completion FROM learning_event "
        "WHERE learner_id = ANY(%s) AND NOT voided AND occurred_at >= %s "
        "AND data_category::text = ANY(%s)",
        (
            people,
            datetime(start.year, start.month, start.day, tzinfo=UTC),
            [c.value for c in serving],
        ),
    ):
        rule = policy.categories[DataCategory(category)]
        if at < cutoff(rule.retention, now):
            continue
        if opted.get(learner, set()) & set(policy.families_of("events", category)):
            continue
        week = (at.date() - start).days // 7
        active[week].add(learner)
        completions[week] += 1 if completion else 0
    weeks = []
    for w in range(WEEKS + 1):
        enough = len(active[w]) >= policy.k
        weeks.append(
            Week(
                week_start=(start + timedelta(weeks=w)).isoformat(),
                active_people=len(active[w]) if enough else None,
                completions=completions[w] if enough else None,
            )
        )
    return weeks


def _acting(conn: Conn, policy: Any, people: list[UUID], now: datetime) -> float | None:
    """Share of the people recommended something in the last 30 days who then opened or
    finished a recommended item; None when fewer than k were recommended anything."""
    serving = [c.value for c in policy.categories if policy.serves(c, PURPOSE)]
    # EXISTS per (person, item) walks the (learner_id, occurred_at) index from the moment
    # the item was recommended, instead of joining all of a team's events.
    row = one(
        conn.execute(
            "WITH recommended AS (SELECT learner_id, content_id, min(generated_at) AS at "
            "FROM recommendation WHERE learner_id = ANY(%s) AND generated_at >= %s GROUP BY 1, 2) "
            "SELECT count(DISTINCT r.learner_id), count(DISTINCT r.learner_id) FILTER (WHERE "
            "EXISTS (SELECT 1 FROM learning_event e WHERE e.learner_id = r.learner_id "
            "AND e.occurred_at >= r.at AND e.content_id = r.content_id AND NOT e.voided "
            "AND e.data_category::text = ANY(%s))) FROM recommended r",
            (people, now - timedelta(days=30), serving),
        )
    )
    recommended, acted = int(row[0]), int(row[1])
    if recommended < policy.k:
        return None
    return round(acted / recommended, 3)
