"""The figures of one group of people (the organisation, one role): outcomes per person
(:mod:`.outcomes`) summed up as :class:`~.stats.Estimate` values, withheld below k."""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict

from . import stats
from .beyond import BeyondAccuracy, Recommendations, beyond_accuracy
from .outcomes import CHECKPOINTS, PersonOutcome
from .stats import Estimate


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MasteryProgress(_Out):
    """The role level ``day`` days after the window's start, over people with a role:
    mean level and mean gain since the start (sampling intervals over people), and the mean
    width of the model's own 90% range per person (its uncertainty about each estimate)."""

    day: int
    level: Estimate
    gain: Estimate
    model_range_width: float | None


class Proficiency(_Out):
    """People with a role: share at the role's levels at the start; of the others, the
    share who reached them in the window, and the median days it took those who did (the
    rest are censored at the window's end, so the median describes the reachers only)."""

    people_with_role: int
    at_start: Estimate
    reached: Estimate
    median_days: Estimate


class Observation(_Out):
    teams: int
    teams_withheld: int
    seen_share: Estimate


class Outcomes(_Out):
    """The figures of one group of people (the organisation, or one role)."""

    people: int
    completions_per_person: Estimate
    completed_any: Estimate
    active_day_share: Estimate
    mastery: list[MasteryProgress]
    proficiency: Proficiency
    relevance_rate: Estimate
    application_rate: Estimate
    beyond_accuracy: BeyondAccuracy


def group_outcomes(outcomes: list[PersonOutcome], recs: Recommendations, *, k: int) -> Outcomes:
    n = len(outcomes)
    completions = np.array([o.completions for o in outcomes], np.float64)
    shares = np.array([o.active_day_share or 0.0 for o in outcomes], np.float64)
    rel_yes = [(o.relevance_rate or 0.0) * o.relevance_answers for o in outcomes]
    app_yes = [(o.application_rate or 0.0) * o.application_answers for o in outcomes]
    return Outcomes(
        people=n,
        completions_per_person=stats.mean(completions, k=k),
        completed_any=stats.wilson(int((completions > 0).sum()), n, k=k),
        active_day_share=stats.mean(shares, k=k),
        mastery=mastery_progress(outcomes, k=k),
        proficiency=proficiency(outcomes, k=k),
        relevance_rate=stats.ratio(rel_yes, [o.relevance_answers for o in outcomes], k=k),
        application_rate=stats.ratio(app_yes, [o.application_answers for o in outcomes], k=k),
        beyond_accuracy=beyond_accuracy(recs.subset(o.learner_id for o in outcomes), k=k),
    )


def mastery_progress(outcomes: list[PersonOutcome], *, k: int) -> list[MasteryProgress]:
    out = []
    for i, day in enumerate(CHECKPOINTS):
        points = [o.mastery[i] for o in outcomes if len(o.mastery) > i]
        measured = [m for m in points if m.level is not None]
        widths = [m.high - m.low for m in measured if m.high is not None and m.low is not None]
        out.append(
            MasteryProgress(
                day=day,
                level=stats.mean([m.level for m in measured if m.level is not None], k=k),
                gain=stats.mean([m.gain for m in measured if m.gain is not None], k=k),
                model_range_width=round(float(np.mean(widths)), 4) if len(widths) >= k else None,
            )
        )
    return out


def proficiency(outcomes: list[PersonOutcome], *, k: int) -> Proficiency:
    with_role = [o for o in outcomes if o.proficient is not None]
    at_start = [o for o in with_role if o.proficient_at_start]
    rest = [o for o in with_role if not o.proficient_at_start]
    reached = [o for o in rest if o.proficient]
    days = [o.days_to_proficiency for o in reached if o.days_to_proficiency is not None]
    arr = np.array(days, np.float64)
    return Proficiency(
        people_with_role=len(with_role),
        at_start=stats.wilson(len(at_start), len(with_role), k=k),
        reached=stats.wilson(len(reached), len(rest), k=k),
        median_days=stats.bootstrap(
            arr, lambda i: float(np.median(arr[i])) if len(i) else math.nan, k=k
        ),
    )
