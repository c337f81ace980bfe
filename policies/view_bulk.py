"""Governed views for many learners at once, each read for that learner's own benefit, or
by L&D staff for figures over groups (:func:`aggregate_views`).

Batch ranking ("rank everyone tonight") needs the same view :func:`.view.governed_view`
gives, learner by learner; reading the tables once per chunk instead of once per learner
makes it a few queries per thousand people. Every record passes the same screen (purpose,
opt-out, retention), and refusals are audited the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from ..core.errors import ValidationFailed
from .access import Resource, Subject
from .engine import PolicyEngine
from .view import (
    CATEGORY,
    EVENT_COLUMNS,
    GovernedView,
    ViewCalendar,
    ViewEvent,
    ViewFact,
    ViewMembership,
    _purpose_decision,
    _Screen,
)

Conn = psycopg.Connection[Any]


def governed_views(
    conn: Conn,
    engine: PolicyEngine,
    learner_ids: Sequence[UUID],
    purpose: str,
    *,
    as_of: datetime | None = None,
) -> dict[UUID, GovernedView]:
    """The governed view of each learner in ``learner_ids`` (unknown ids are left out), as
    that learner would read it for ``purpose``."""
    learners = _learners(conn, engine, learner_ids, purpose)
    for lid in learners:
        engine.authorize(
            conn, Subject.learner(lid), "read", Resource("learner_data", owner=lid), purpose
        )
    return _views(conn, engine, learners, purpose, as_of, None)


def aggregate_views(
    conn: Conn,
    engine: PolicyEngine,
    learner_ids: Sequence[UUID],
    purpose: str,
    viewer: Subject,
    *,
    as_of: datetime | None = None,
) -> dict[UUID, GovernedView]:
    """Each learner's records as ``purpose`` permits them, screened as in
    :func:`governed_views`, for ``viewer`` to aggregate: one authorisation of a
    ``learning_aggregate`` over the learners found (fewer than k: refused, audited)."""
    learners = _learners(conn, engine, learner_ids, purpose)
    resource = Resource("learning_aggregate", group_size=len(learners))
    engine.authorize(conn, viewer, "read", resource, purpose, detail={"people": len(learners)})
    return _views(conn, engine, learners, purpose, as_of, viewer)


def _learners(
    conn: Conn, engine: PolicyEngine, learner_ids: Sequence[UUID], purpose: str
) -> dict[UUID, tuple[str, str]]:
    """Known learners among ``learner_ids``: id -> (timezone, locale)."""
    engine.refresh(conn)
    policy = engine.policy
    if purpose not in policy.purposes:
        known = ", ".join(sorted(policy.purposes))
        raise ValidationFailed(f"unknown purpose '{purpose}'; expected one of: {known}")
    ids = list(dict.fromkeys(learner_ids))
    return {
        lid: (tz, loc)
        for lid, tz, loc in conn.execute(
            "SELECT id, timezone, locale FROM learner WHERE id = ANY(%s)", (ids,)
        )
    }


def _views(
    conn: Conn,
    engine: PolicyEngine,
    learners: dict[UUID, tuple[str, str]],
    purpose: str,
    as_of: datetime | None,
    viewer: Subject | None,
) -> dict[UUID, GovernedView]:
    """The views of ``learners``; refused categories are audited as read by ``viewer``
    (None: each learner reading their own)."""
    policy = engine.policy
    opted: dict[UUID, dict[str, datetime]] = defaultdict(dict)
    for lid, family, at in conn.execute(
        "SELECT learner_id, family, opted_out_at FROM policy_opt_out WHERE learner_id = ANY(%s)",
        (list(learners),),
    ):
        opted[lid][family] = at
    now = as_of or datetime.now(UTC)
    screens = {lid: _Screen(policy, purpose, now, opted.get(lid, {})) for lid in learners}
    wanted = list(learners)
    events: dict[UUID, list[ViewEvent]] = defaultdict(list)
    for lid, *row in conn.execute(
        f"SELECT learner_id, {EVENT_COLUMNS} FROM learning_event "
        "WHERE learner_id = ANY(%s) AND NOT voided ORDER BY learner_id, occurred_at, statement_id",
        (wanted,),
    ):
        if (event := screens[lid].admit_event(row)) is not None:
            events[lid].append(event)
    facts: dict[UUID, list[ViewFact]] = defaultdict(list)
    for lid, src, ftype, key, value, cat, at in conn.execute(
        "SELECT learner_id, source, fact_type, key, value, data_category::text, occurred_at "
        "FROM hr_fact WHERE learner_id = ANY(%s) ORDER BY learner_id, fact_type, key, source",
        (wanted,),
    ):
        if (fams := screens[lid].admit("facts", cat, ftype, at)) is not None:
            facts[lid].append(ViewFact(src, ftype, key, value, CATEGORY[cat], at, fams))
    calendar: dict[UUID, list[ViewCalendar]] = defaultdict(list)
    for lid, src, situation, starts, minutes, cat, at in conn.execute(
        "SELECT learner_id, source, situation, starts_at, duration_minutes, "
        "data_category::text, occurred_at FROM calendar_signal WHERE learner_id = ANY(%s) "
        "ORDER BY learner_id, starts_at, event_key",
        (wanted,),
    ):
        if (fams := screens[lid].admit("calendar", cat, None, at, event_at=starts)) is not None:
            calendar[lid].append(
                ViewCalendar(src, situation, starts, minutes, CATEGORY[cat], at, fams)
            )
    memberships: dict[UUID, list[ViewMembership]] = defaultdict(list)
    for lid, src, unit, manager, cat, at in conn.execute(
        "SELECT learner_id, source, unit_external_id, is_manager, data_category::text, "
        "occurred_at FROM team_membership WHERE learner_id = ANY(%s) "
        "ORDER BY learner_id, source, unit_external_id",
        (wanted,),
    ):
        if (fams := screens[lid].admit("memberships", cat, None, at)) is not None:
            memberships[lid].append(ViewMembership(src, unit, manager, CATEGORY[cat], at, fams))
    views = {}
    if viewer is not None:
        # One read of an aggregate: one refusal entry for it, not one per person (an audit
        # write per person made a report over 2,000 people take 20 s).
        refused_all = sorted({c for s in screens.values() for c in s.refused_categories})
        if refused_all:
            engine.record_denial(
                conn,
                viewer,
                "read",
                Resource("learning_aggregate", group_size=len(learners)),
                purpose,
                _purpose_decision(refused_all, purpose),
                {
                    "categories": refused_all,
                    "records": sum(s.purpose_withheld for s in screens.values()),
                    "people": sum(1 for s in screens.values() if s.refused_categories),
                },
            )
    for lid, (tz, loc) in learners.items():
        screen = screens[lid]
        refused = sorted(screen.refused_categories)
        if refused and viewer is None:
            engine.record_denial(
                conn,
                Subject.learner(lid),
                "read",
                Resource("learner_data", owner=lid),
                purpose,
                _purpose_decision(refused, purpose),
                {"categories": refused, "records": screen.purpose_withheld},
            )
        views[lid] = GovernedView(
            learner_id=lid,
            purpose=purpose,
            policy_version=engine.version,
            as_of=now,
            timezone=tz,
            locale=loc,
            events=tuple(events[lid]),
            facts=tuple(facts[lid]),
            calendar=tuple(calendar[lid]),
            memberships=tuple(memberships[lid]),
            families=screen.statuses(),
        )
    return views
