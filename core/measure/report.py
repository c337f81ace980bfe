"""The organisation's outcome report over a window, for L&D staff.

Everything is read for ``learning_analytics`` through the governance (one authorisation of a
``learning_aggregate``, then each person's records as the policy screens them), turned into
:mod:`.outcomes` per person, and shown only as figures over groups: each an
:class:`~.stats.Estimate` with its interval, method and n, withheld below k people.

- level 2: completion and engagement;
- level 3: mastery progression at 30/60/90 days from the window's start, with the model's
  own uncertainty beside the sampling interval; time to proficiency (share reaching the
  role's levels, and days);
- level 4: relevance and application rates from the micro-surveys, manager observations
  (teams of at least k only);
- beyond accuracy (:mod:`.beyond`), and every figure per role, with a role served notably
  worse than the rest flagged (:mod:`.roles`); and the same per period (:mod:`.series`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict

from ..governance import Governance, Subject
from ..governed_view import GovernedView
from ..surveys import OBSERVATION, survey_responses
from . import stats
from .beyond import load_recommendations
from .figures import Observation, Outcomes, group_outcomes
from .outcomes import (
    CHECKPOINTS,
    PURPOSE,
    OutcomeModel,
    answers_by_person,
    load_outcome_model,
    outcome_of,
)
from .periods import Period, spans
from .roles import RoleOutcomes, role_outcomes
from .series import PeriodFigures, series

Conn = psycopg.Connection[Any]
#: Observation answers that say the manager saw the team apply what it learned; "cannot
#: tell" is no evidence either way and is left out of the share.
SEEN = ("seen_often", "seen_sometimes")
NO_EVIDENCE = ("cannot_tell",)


class OutcomeReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    generated_at: datetime
    since: datetime
    until: datetime
    period: str
    role: str | None
    purpose: str
    k: int
    people: int
    organisation: Outcomes
    observation: Observation
    roles: list[RoleOutcomes]
    series: list[PeriodFigures]
    notes: list[str]


def outcome_report(
    conn: Conn,
    governance: Governance,
    viewer: Subject,
    *,
    since: datetime,
    until: datetime,
    period: Period = "month",
    role: str | None = None,
    now: datetime | None = None,
    model: OutcomeModel | None = None,
) -> OutcomeReport:
    """The report over ``[since, until)`` for ``viewer``; ``role`` narrows it to people
    holding that job profile (as the policy lets their role be read).

    :raises AccessDenied: ``viewer`` may not read organisation figures for
        ``learning_analytics``, or the organisation has fewer than k people (audited).
    :raises ValueError: an empty window or an unknown period.
    """
    cuts = spans(since, until, period)
    generated = now or until
    governance.refresh(conn)
    k = governance.min_group_size
    everyone = [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]
    views = governance.aggregate_views(conn, everyone, PURPOSE, viewer, as_of=until)
    model = model or load_outcome_model(conn, governance)
    horizon = max(CHECKPOINTS[-1], math.ceil((until - since).total_seconds() / 86400))
    answers = answers_by_person(conn, list(views), since, until)
    outcomes = {
        pid: outcome_of(
            view,
            model,
            start=since,
            horizon_days=horizon,
            now=until,
            answers=answers.get(pid, ()),
        )
        for pid, view in views.items()
    }
    if role is not None:
        outcomes = {p: o for p, o in outcomes.items() if o.role_id == role}
    people = list(outcomes)
    engaged = engagement_counts(views.values(), until)
    recs = load_recommendations(
        conn, people, list(model.items.ids), engaged, since=since, until=until
    )
    organisation = group_outcomes(list(outcomes.values()), recs, k=k)
    names = {pid: p.name for pid, p in model.org.profiles.items()}
    return OutcomeReport(
        generated_at=generated,
        since=since,
        until=until,
        period=period,
        role=role,
        purpose=PURPOSE,
        k=k,
        people=len(people),
        organisation=organisation,
        observation=observations(conn, views, since, until, k=k),
        roles=role_outcomes(outcomes, recs, names, k=k),
        series=series(
            conn,
            {p: views[p] for p in people},
            model,
            answers,
            engaged,
            cuts,
            facts_as_of=until,
            k=k,
        ),
        notes=NOTES,
    )


NOTES = [
    "Intervals are 95%: Wilson score for shares, percentile bootstrap over people "
    "(2000 resamples, fixed seed) for everything else; n is the number of people (teams "
    "for observations) a figure rests on.",
    "Figures resting on fewer than k people are withheld; 'not enough data yet' means "
    "nothing has been observed for that figure in the window.",
    "Levels are the learner model's estimates from the evidence up to each moment, against "
    "the role's required levels; model_range_width is the mean width of each person's "
    "90% credible range.",
]


def engagement_counts(views: Any, until: datetime) -> dict[UUID, int]:
    """People per item who engaged with it (any learning event but feedback) before
    ``until``: the popularity novelty is measured against."""
    people: dict[UUID, set[UUID]] = defaultdict(set)
    for view in views:
        for e in view.events:
            if e.content_id is not None and e.data_category != "feedback" and e.occurred_at < until:
                people[e.content_id].add(view.learner_id)
    return {cid: len(who) for cid, who in people.items()}


def observations(
    conn: Conn, views: dict[UUID, GovernedView], since: datetime, until: datetime, *, k: int
) -> Observation:
    """Managers' observation answers per team, over teams of at least k members only; an
    answer counts if its manager's governed view holds it. The share is pooled over teams
    with a cluster bootstrap over teams."""
    held = {
        e.statement_id for v in views.values() for e in v.events if e.data_category == "feedback"
    }
    answers = [
        a
        for a in survey_responses(conn, kind=OBSERVATION, since=since, until=until)
        if a.statement_id in held and a.team_id and a.answer not in NO_EVIDENCE
    ]
    sizes = {
        f"{source}:{unit}": n
        for source, unit, n in conn.execute(
            "SELECT source, unit_external_id, count(DISTINCT learner_id) FROM team_membership "
            "WHERE NOT is_manager GROUP BY 1, 2"
        )
    }
    by_team: dict[str, list[bool]] = defaultdict(list)
    withheld: set[str] = set()
    for a in answers:
        assert a.team_id is not None
        if sizes.get(a.team_id, 0) >= k:
            by_team[a.team_id].append(a.answer in SEEN)
        else:
            withheld.add(a.team_id)
    teams = sorted(by_team)
    seen = [sum(by_team[t]) for t in teams]
    total = [len(by_team[t]) for t in teams]
    # Every team behind the share already has at least k members; the share may rest on
    # a single such team.
    return Observation(
        teams=len(teams),
        teams_withheld=len(withheld),
        seen_share=stats.ratio(seen, total, k=1, units="teams"),
    )
