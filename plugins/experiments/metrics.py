"""The primary outcomes an experiment can pre-register: each a figure per person taken from
the organisation's per-person outcomes (:mod:`learnwire.core.measure.outcomes`), read for
``learning_analytics`` over the window from the start to the horizon.

A metric names the signal families it rests on: people who opted out of one are excluded
from the experiment (and counted as excluded), never measured without their data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from learnwire.core.measure.outcomes import CHECKPOINTS, PersonOutcome


def _gain(outcome: PersonOutcome) -> float | None:
    # The checkpoint at the horizon (the definition allows only horizons that are one).
    day = round(outcome.observed_days)
    reached = [m for m in outcome.mastery if m.gain is not None and m.day <= day]
    return reached[-1].gain if reached else None


def _flag(value: bool | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    #: ``proportion``: a 0/1 value per person; ``mean``: any number.
    kind: Literal["proportion", "mean"]
    families: tuple[str, ...]
    #: The person's value (None: nothing to measure for them, e.g. no survey answered).
    value: Callable[[PersonOutcome], float | None]
    #: Horizons the metric can be read at (empty: any).
    horizons: tuple[int, ...] = ()


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "completion",
            "share of people who finished at least one item",
            "proportion",
            ("learning_activity",),
            lambda o: float(o.completions > 0),
        ),
        Metric(
            "completions",
            "distinct items finished per person",
            "mean",
            ("learning_activity",),
            lambda o: float(o.completions),
        ),
        Metric(
            "active_days",
            "days with learning activity per person (engagement)",
            "mean",
            ("learning_activity",),
            lambda o: float(o.active_days),
        ),
        Metric(
            "mastery_gain",
            "gain in the learner model's level on the role's required skills",
            "mean",
            ("assessment_results",),
            _gain,
            tuple(d for d in CHECKPOINTS if d > 0),
        ),
        Metric(
            "proficient",
            "share of people at every required level of their role",
            "proportion",
            ("assessment_results",),
            lambda o: _flag(o.proficient),
        ),
        Metric(
            "relevance_rate",
            "share of 'relevant' answers to 'was this relevant to your work now?'",
            "mean",
            ("feedback",),
            lambda o: o.relevance_rate,
        ),
        Metric(
            "application_rate",
            "share of 'used' answers to 'did you use this?'",
            "mean",
            ("feedback",),
            lambda o: o.application_rate,
        ),
    )
}
