"""The primary outcomes an experiment can pre-register, each read per person from the
person's governed view for ``learning_analytics`` over the outcome window.

A metric says which signal families it reads: people who opted out of one are excluded from
the experiment (and counted as excluded), never measured without their data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from learnwire.core.governed_view import ViewEvent

_DONE_VERBS = ("/completed", "/passed", "/mastered")


def is_completion(event: ViewEvent) -> bool:
    return bool(event.completion) or event.verb.endswith(_DONE_VERBS)


def _completed(events: Sequence[ViewEvent]) -> set[str]:
    return {str(e.content_id or e.object_id) for e in events if is_completion(e)}


def _completion(events: Sequence[ViewEvent]) -> float | None:
    return 1.0 if _completed(events) else 0.0


def _completed_items(events: Sequence[ViewEvent]) -> float | None:
    return float(len(_completed(events)))


def _active_days(events: Sequence[ViewEvent]) -> float | None:
    return float(len({e.occurred_at.date() for e in events}))


def _assessment_score(events: Sequence[ViewEvent]) -> float | None:
    scores = [
        e.score_scaled
        for e in events
        if e.data_category.value == "assessment" and e.score_scaled is not None
    ]
    return sum(scores) / len(scores) if scores else None


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    #: ``proportion``: a 0/1 value per person; ``mean``: any number.
    kind: Literal["proportion", "mean"]
    families: tuple[str, ...]
    #: The person's value from their events in the window (None: nothing to measure).
    value: Callable[[Sequence[ViewEvent]], float | None]


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "completion",
            "share of people who completed at least one item",
            "proportion",
            ("learning_activity",),
            _completion,
        ),
        Metric(
            "completed_items",
            "items completed per person",
            "mean",
            ("learning_activity",),
            _completed_items,
        ),
        Metric(
            "active_days",
            "days with any learning activity per person (engagement)",
            "mean",
            ("learning_activity",),
            _active_days,
        ),
        Metric(
            "assessment_score",
            "mean scaled assessment score per person (people without one are not measured)",
            "mean",
            ("assessment_results",),
            _assessment_score,
        ),
    )
}


def in_window(events: Sequence[ViewEvent], start: datetime, end: datetime) -> list[ViewEvent]:
    return [e for e in events if start <= e.occurred_at < end]
