"""Per-person values of a primary outcome: the interface the report reads, and the reader
learnwire ships on the organisation's per-person outcomes (:mod:`learnwire.core.measure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import psycopg

from learnwire.core.governance import Governance, Subject
from learnwire.core.measure.outcomes import answers_by_person, load_outcome_model, outcome_of

from .metrics import METRICS
from .placement import PURPOSE, exclusion, needed_families

Conn = psycopg.Connection[Any]


class OutcomeReader(Protocol):
    """Each measurable person's value of ``metric`` from ``start`` over ``horizon_days`` as
    known at ``now``, and why each person who can no longer be measured (opted out since
    placement) is excluded."""

    def __call__(
        self,
        conn: Conn,
        governance: Governance,
        viewer: Subject,
        learner_ids: Sequence[UUID],
        *,
        metric: str,
        start: datetime,
        horizon_days: int,
        now: datetime,
    ) -> tuple[dict[UUID, float], dict[UUID, str]]: ...


def from_measure(
    conn: Conn,
    governance: Governance,
    viewer: Subject,
    learner_ids: Sequence[UUID],
    *,
    metric: str,
    start: datetime,
    horizon_days: int,
    now: datetime,
) -> tuple[dict[UUID, float], dict[UUID, str]]:
    """Read once for ``learning_analytics`` (one aggregate authorisation for ``viewer``)."""
    chosen = METRICS[metric]
    families = needed_families(metric)
    views = governance.aggregate_views(conn, list(learner_ids), PURPOSE, viewer, as_of=now)
    excluded = {i: r for i, v in views.items() if (r := exclusion(v, families)) is not None}
    measured = [i for i in views if i not in excluded]
    model = load_outcome_model(conn, governance)
    end = min(now, start + timedelta(days=horizon_days))
    answers = answers_by_person(conn, measured, start, end)
    values: dict[UUID, float] = {}
    for learner_id in measured:
        outcome = outcome_of(
            views[learner_id],
            model,
            start=start,
            horizon_days=horizon_days,
            now=now,
            answers=answers.get(learner_id, ()),
        )
        value = chosen.value(outcome)
        if value is not None:
            values[learner_id] = value
    return values, excluded
