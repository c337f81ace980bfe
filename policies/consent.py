"""Opt-outs: a learner switching off signal families for themselves.

From the moment of opting out, intake refuses new records of the family about the learner
and the governed view withholds those already held. Only families the policy marks
``opt_out: true`` can be switched off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from ..core.errors import NotFound, ValidationFailed
from .access import Resource, Subject
from .engine import PolicyEngine

Conn = psycopg.Connection[Any]


#: A learner's opt-outs as (family, opted out at); the governed view sends it in a pipeline.
OPTED_OUT_SQL = "SELECT family, opted_out_at FROM policy_opt_out WHERE learner_id = %s"


def opted_out(conn: Conn, learner_id: UUID) -> dict[str, datetime]:
    """Family -> when the learner opted out of it."""
    return dict(conn.execute(OPTED_OUT_SQL, (learner_id,)).fetchall())


def opted_out_many(conn: Conn, learner_ids: Iterable[UUID]) -> dict[UUID, set[str]]:
    ids = list(set(learner_ids))
    if not ids:
        return {}
    out: dict[UUID, set[str]] = {}
    for learner_id, family in conn.execute(
        "SELECT learner_id, family FROM policy_opt_out WHERE learner_id = ANY(%s)", (ids,)
    ):
        out.setdefault(learner_id, set()).add(family)
    return out


def set_opt_out(
    conn: Conn,
    engine: PolicyEngine,
    learner_id: UUID,
    family: str,
    *,
    by: Subject,
    opt_out: bool = True,
) -> bool:
    """Opt the learner out of (or back into) ``family``. Returns whether anything changed."""
    rule = engine.policy.families.get(family)
    if rule is None:
        known = ", ".join(sorted(engine.policy.families))
        raise ValidationFailed(f"unknown signal family '{family}'; expected one of: {known}")
    if opt_out and not rule.opt_out:
        raise ValidationFailed(
            f"the policy does not let people opt out of '{family}'; erasure is the way to "
            "remove it",
            field="family",
        )
    if conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone() is None:
        raise NotFound(f"no learner {learner_id}")
    engine.authorize(
        conn, by, "write", Resource("consent", owner=learner_id), "data_subject_request"
    )
    if opt_out:
        changed = conn.execute(
            "INSERT INTO policy_opt_out (learner_id, family) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING",
            (learner_id, family),
        ).rowcount
    else:
        changed = conn.execute(
            "DELETE FROM policy_opt_out WHERE learner_id = %s AND family = %s",
            (learner_id, family),
        ).rowcount
    if changed:
        engine.record(
            conn,
            by,
            "consent:opt_out" if opt_out else "consent:opt_in",
            "done",
            purpose="data_subject_request",
            learner_id=learner_id,
            detail={"family": family},
        )
    return bool(changed)
