"""Per-person values of a primary outcome: the interface the report reads, and the reader
learnwire ships (the person's governed view for ``learning_analytics``, events in the window).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import psycopg

from learnwire.core.governance import Governance

from .metrics import METRICS, in_window
from .placement import exclusion, views

Conn = psycopg.Connection[Any]


class OutcomeReader(Protocol):
    """Gives each measurable person's value of ``metric`` over ``[start, end)``, and why each
    person who can no longer be measured (opted out since placement) is excluded."""

    def __call__(
        self,
        conn: Conn,
        governance: Governance,
        learner_ids: Sequence[UUID],
        metric: str,
        start: datetime,
        end: datetime,
    ) -> tuple[dict[UUID, float], dict[UUID, str]]: ...


def from_governed_views(
    conn: Conn,
    governance: Governance,
    learner_ids: Sequence[UUID],
    metric: str,
    start: datetime,
    end: datetime,
) -> tuple[dict[UUID, float], dict[UUID, str]]:
    chosen = METRICS[metric]
    families = ("job_profile", "learning_activity", *chosen.families)
    values: dict[UUID, float] = {}
    excluded: dict[UUID, str] = {}
    for view in views(conn, governance, list(learner_ids), end):
        reason = exclusion(view, families)
        if reason is not None:
            excluded[view.learner_id] = reason
            continue
        value = chosen.value(in_window(view.events, start, end))
        if value is not None:
            values[view.learner_id] = value
    return values, excluded
