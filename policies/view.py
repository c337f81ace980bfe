"""Building the governed view: one learner's data as one purpose may see it.

The view's shape (:class:`~learnwire.core.governed_view.GovernedView`) is declared by the
core; this is the only way the learner model and the ranker read personal data. A record is in the
view only if its category serves the purpose, it is within its retention period and the
learner has not opted out of any signal family it belongs to. What was held back is counted
per family with the reason (``purpose``, ``opt_out``, ``retention``), so a ranking signal can
tell "no data" from "not allowed" and the utilisation report can say why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from ..core.errors import NotFound, ValidationFailed
from ..core.governed_view import (
    FamilyStatus,
    GovernedView,
    ViewCalendar,
    ViewEvent,
    ViewFact,
    ViewMembership,
)
from ..core.models import DataCategory
from .access import Decision, Resource, Subject
from .consent import OPTED_OUT_SQL
from .engine import PolicyEngine
from .model import PolicySet
from .retention import cutoff

#: Category by its stored name: a dict lookup per record instead of an Enum call.
CATEGORY: dict[str, DataCategory] = {c.value: c for c in DataCategory}
#: A feedback statement's answer (a survey's); other rows never have their JSON read.
RESPONSE_SQL = "CASE WHEN data_category = 'feedback' THEN statement->'result'->>'response' END"
#: The learning_event columns a view reads, in the order ``_Screen.admit_event`` takes them.
EVENT_COLUMNS = (
    "statement_id, occurred_at, source, data_category::text, verb, object_id, content_id, "
    f"skill_ids, success, completion, score_scaled, duration_seconds, {RESPONSE_SQL}"
)
Conn = psycopg.Connection[Any]

# The view's records are the core's; importable from here as well, as they always were.
__all__ = [
    "CATEGORY",
    "EVENT_COLUMNS",
    "RESPONSE_SQL",
    "FamilyStatus",
    "GovernedView",
    "ViewCalendar",
    "ViewEvent",
    "ViewFact",
    "ViewMembership",
    "governed_view",
]


def governed_view(
    conn: Conn,
    engine: PolicyEngine,
    learner_id: UUID,
    purpose: str,
    viewer: Subject,
    *,
    as_of: datetime | None = None,
) -> GovernedView:
    """Everything about ``learner_id`` that ``purpose`` permits, read as ``viewer``.

    :raises AccessDenied: the viewer may not read this learner's data for this purpose
        (audited).
    :raises ValidationFailed: unknown purpose. :raises NotFound: unknown learner.
    """
    engine.refresh(conn)
    policy = engine.policy
    if purpose not in policy.purposes:
        known = ", ".join(sorted(policy.purposes))
        raise ValidationFailed(f"unknown purpose '{purpose}'; expected one of: {known}")
    learner = conn.execute(
        "SELECT timezone, locale FROM learner WHERE id = %s", (learner_id,)
    ).fetchone()
    if learner is None:
        raise NotFound(f"no learner {learner_id}")
    engine.authorize(conn, viewer, "read", Resource("learner_data", owner=learner_id), purpose)
    now = as_of or datetime.now(UTC)
    # The five reads are independent: sent together in one pipeline, they cost one round
    # trip instead of five (a third of a request's database time here).
    with conn.pipeline():
        cursors = [conn.cursor() for _ in range(5)]
        cursors[0].execute(OPTED_OUT_SQL, (learner_id,))
        cursors[1].execute(
            f"SELECT {EVENT_COLUMNS} FROM learning_event WHERE learner_id = %s AND NOT voided "
            "ORDER BY occurred_at, statement_id",
            (learner_id,),
        )
        cursors[2].execute(
            "SELECT source, fact_type, key, value, data_category::text, occurred_at "
            "FROM hr_fact WHERE learner_id = %s ORDER BY fact_type, key, source",
            (learner_id,),
        )
        cursors[3].execute(
            "SELECT source, situation, starts_at, duration_minutes, data_category::text, "
            "occurred_at FROM calendar_signal WHERE learner_id = %s ORDER BY starts_at, event_key",
            (learner_id,),
        )
        cursors[4].execute(
            "SELECT source, unit_external_id, is_manager, data_category::text, occurred_at "
            "FROM team_membership WHERE learner_id = %s ORDER BY source, unit_external_id",
            (learner_id,),
        )
    opt_rows, event_rows, fact_rows, calendar_rows, membership_rows = (
        c.fetchall() for c in cursors
    )
    screen = _Screen(policy, purpose, now, dict(opt_rows))

    events = tuple(e for row in event_rows if (e := screen.admit_event(row)) is not None)
    facts = tuple(
        ViewFact(src, ftype, key, value, CATEGORY[cat], at, fams)
        for src, ftype, key, value, cat, at in fact_rows
        if (fams := screen.admit("facts", cat, ftype, at)) is not None
    )
    calendar = tuple(
        ViewCalendar(src, situation, starts, minutes, CATEGORY[cat], at, fams)
        for src, situation, starts, minutes, cat, at in calendar_rows
        if (fams := screen.admit("calendar", cat, None, at, event_at=starts)) is not None
    )
    memberships = tuple(
        ViewMembership(src, unit, manager, CATEGORY[cat], at, fams)
        for src, unit, manager, cat, at in membership_rows
        if (fams := screen.admit("memberships", cat, None, at)) is not None
    )
    refused = sorted(screen.refused_categories)
    if refused:
        engine.record_denial(
            conn,
            viewer,
            "read",
            Resource("learner_data", owner=learner_id),
            purpose,
            _purpose_decision(refused, purpose),
            {"categories": refused, "records": screen.purpose_withheld},
        )
    return GovernedView(
        learner_id=learner_id,
        purpose=purpose,
        policy_version=engine.version,
        as_of=now,
        timezone=learner[0],
        locale=learner[1],
        events=events,
        facts=facts,
        calendar=calendar,
        memberships=memberships,
        families=screen.statuses(),
    )


class _Screen:
    """Decides record by record and keeps the counts the family statuses are built from."""

    def __init__(
        self, policy: PolicySet, purpose: str, now: datetime, opted: dict[str, datetime]
    ) -> None:
        self.policy = policy
        self.purpose = purpose
        self.opted = opted
        self.cutoffs = {c: cutoff(r.retention, now) for c, r in policy.categories.items()}
        self.by_event = {
            c: r.retention.measured_from == "event" for c, r in policy.categories.items()
        }
        self.kept: Counter[str] = Counter()
        self.withheld: dict[str, Counter[str]] = {f: Counter() for f in policy.families}
        self.refused_categories: set[str] = set()
        self.purpose_withheld = 0
        self._rules: dict[tuple[str, str, str | None], Any] = {}

    def admit(
        self,
        kind: str,
        category: str,
        fact_type: str | None,
        occurred_at: datetime,
        *,
        event_at: datetime | None = None,
    ) -> tuple[str, ...] | None:
        # The same few (kind, category, fact type) combinations recur for every record.
        key = (kind, category, fact_type)
        rule = self._rules.get(key)
        if rule is None:
            cat = DataCategory(category)
            rule = self._rules[key] = (
                cat,
                tuple(self.policy.families_of(kind, cat, fact_type)),
                self.policy.serves(cat, self.purpose),
            )
        cat, families, serves = rule
        reason: str | None = None
        if not serves:
            reason = "purpose"
            self.refused_categories.add(cat.value)
            self.purpose_withheld += 1
        elif any(f in self.opted for f in families):
            reason = "opt_out"
        else:
            moment = event_at if (self.by_event[cat] and event_at is not None) else occurred_at
            if moment < self.cutoffs[cat]:
                reason = "retention"
        if reason is not None:
            for family in families:
                self.withheld[family][reason] += 1
            return None
        for family in families:
            self.kept[family] += 1
        return families

    def admit_event(self, row: Sequence[Any]) -> ViewEvent | None:
        """A learning_event row (:data:`EVENT_COLUMNS`) as the view holds it, or None when
        :meth:`admit` holds it back."""
        sid, at, src, cat, verb, obj, cid, skills, ok, done, sc, dur, answer = row
        if (fams := self.admit("events", cat, None, at)) is None:
            return None
        return ViewEvent(
            sid,
            at,
            src,
            CATEGORY[cat],
            verb,
            obj,
            cid,
            tuple(skills),
            ok,
            done,
            sc,
            dur,
            fams,
            answer,
        )

    def statuses(self) -> dict[str, FamilyStatus]:
        out: dict[str, FamilyStatus] = {}
        for name, rule in self.policy.families.items():
            withheld = dict(self.withheld[name])
            kept = self.kept[name]
            serving = [c.value for c in rule.categories if self.policy.serves(c, self.purpose)]
            if name in self.opted:
                when = self.opted[name].date().isoformat()
                status = FamilyStatus(
                    name, "blocked", "opt_out", f"the learner opted out on {when}", 0, withheld
                )
            elif not serving:
                cats = ", ".join(c.value for c in rule.categories)
                status = FamilyStatus(
                    name,
                    "blocked",
                    "purpose",
                    f"{cats} data may not serve '{self.purpose}'",
                    0,
                    withheld,
                )
            elif kept:
                status = FamilyStatus(name, "available", None, "", kept, withheld)
            elif withheld.get("retention"):
                status = FamilyStatus(
                    name,
                    "blocked",
                    "retention",
                    f"{withheld['retention']} record(s) past their retention period",
                    0,
                    withheld,
                )
            else:
                status = FamilyStatus(name, "empty", None, "no records held", 0, withheld)
            out[name] = status
        return out


def _purpose_decision(categories: list[str], purpose: str) -> Decision:
    return Decision(
        False, f"{', '.join(categories)} data may not serve purpose '{purpose}'", "categories"
    )
