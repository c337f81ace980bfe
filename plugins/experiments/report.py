"""The experiment report: status, per-arm figures and effects, with the honesty guards."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import psycopg
from pydantic import BaseModel

from learnwire.core.governance import Governance, Resource, Subject

from . import store
from .analysis import NOT_ENOUGH, ArmResult, Effect, analyse
from .metrics import METRICS
from .outcomes import OutcomeReader, from_measure
from .placement import PURPOSE

Conn = psycopg.Connection[Any]


class Report(BaseModel):
    experiment: str
    title: str
    status: str
    metric: str
    metric_description: str
    horizon_days: int
    started_at: datetime
    as_of: datetime
    window_end: datetime
    days: float
    final: bool
    headline: str
    k: int
    alpha: float
    power: float
    control: str
    arms: list[ArmResult]
    effects: list[Effect]
    excluded: dict[str, int]
    notes: list[str]


def build(
    conn: Conn,
    governance: Governance,
    subject: Subject,
    experiment_id: str,
    *,
    at: datetime | None = None,
    reader: OutcomeReader = from_measure,
) -> Report:
    at = at or datetime.now(UTC)
    experiment = store.get(conn, experiment_id)
    d = experiment.definition
    placed_by = store.assignments(conn, experiment.id)
    governance.refresh(conn)
    k = governance.min_group_size
    governance.authorize(
        conn,
        subject,
        "read",
        Resource("experiment", group_size=len(placed_by)),
        PURPOSE,
        detail={"experiment": experiment.id},
    )
    ends = [experiment.horizon_at, at]
    if experiment.stopped_at is not None:
        ends.append(experiment.stopped_at)
    end = max(experiment.started_at, min(ends))
    final = end >= experiment.horizon_at
    metric = METRICS[d.primary_outcome.metric]
    values: dict[Any, float] = {}
    gone: dict[Any, str] = {}
    # Fewer than k placed: no arm could be reported, and the records are not read at all.
    if at > experiment.started_at and len(placed_by) >= k:
        values, gone = reader(
            conn,
            governance,
            subject,
            list(placed_by),
            metric=metric.name,
            start=experiment.started_at,
            horizon_days=d.primary_outcome.horizon_days,
            now=end,
        )
    by_arm: dict[str, list[float]] = {a.name: [] for a in d.arms}
    for learner_id, value in values.items():
        by_arm[placed_by[learner_id]].append(value)
    placed = Counter(placed_by.values())
    arms, effects = analyse(
        by_arm,
        placed,
        {a.name: a.serve for a in d.arms},
        control=d.control_arm,
        kind=metric.kind,
        alpha=d.alpha,
        power=d.power,
        k=k,
        final=final,
        seed=sum(map(ord, experiment.id)),
    )
    excluded = dict(experiment.excluded)
    for reason, n in Counter(gone.values()).items():
        excluded[f"after placement, {reason}"] = n
    notes = _notes(experiment, at, final, placed_by, values, gone)
    days = max(0.0, (end - experiment.started_at).total_seconds() / 86400)
    return Report(
        experiment=experiment.id,
        title=d.title,
        status=experiment.status(at),
        metric=metric.name,
        metric_description=metric.description,
        horizon_days=d.primary_outcome.horizon_days,
        started_at=experiment.started_at,
        as_of=at,
        window_end=end,
        days=round(days, 1),
        final=final,
        headline=_headline(effects, final),
        k=k,
        alpha=d.alpha,
        power=d.power,
        control=d.control_arm,
        arms=arms,
        effects=effects,
        excluded=excluded,
        notes=notes,
    )


def _headline(effects: list[Effect], final: bool) -> str:
    if not effects or all(e.verdict == NOT_ENOUGH for e in effects):
        return NOT_ENOUGH
    return "final (horizon reached)" if final else "provisional (before the horizon)"


def _notes(
    experiment: store.Experiment,
    at: datetime,
    final: bool,
    placed_by: dict[Any, str],
    values: dict[Any, float],
    gone: dict[Any, str],
) -> list[str]:
    notes = []
    if at < experiment.started_at:
        notes.append(f"the experiment starts on {experiment.started_at:%Y-%m-%d}")
    if not final:
        notes.append(
            "before the horizon only the sequential (always-valid) interval may declare a "
            "difference; the other figures are provisional"
        )
    if experiment.stopped_at is not None and not final:
        notes.append(f"stopped early: {experiment.stop_reason or 'no reason given'}")
    unmeasured = len(placed_by) - len(values) - len(gone)
    if unmeasured > 0:
        notes.append(f"{unmeasured} placed people have no value of the outcome yet")
    return notes


def render(report: Report) -> str:
    """The report as text, for the command line."""
    lines = [
        f"Experiment {report.experiment}: {report.title} [{report.status}]",
        f"Primary outcome (pre-registered): {report.metric} ({report.metric_description}) at "
        f"{report.horizon_days} days; day {report.days:g} of {report.horizon_days}, "
        f"{report.headline}",
        f"alpha {report.alpha:g}, power {report.power:g}, groups under k = {report.k} not reported",
    ]
    for arm in report.arms:
        figure = (
            f"mean {arm.mean:.3f} (sd {arm.sd:.3f})"
            if arm.reported and arm.mean is not None
            else arm.note
        )
        lines.append(
            f"  arm {arm.name:<14} {arm.serve:<22} placed {arm.placed:>5}  measured "
            f"{arm.measured:>5}  {figure}"
        )
    for e in report.effects:
        lines.append(f"  {e.arm} vs {e.control}: {e.verdict}")
        if e.difference is None:
            continue
        rel = f" ({e.relative:+.1%})" if e.relative is not None else ""
        rel += f", d = {e.standardized:+.2f}" if e.standardized is not None else ""
        lines.append(
            f"    difference {e.difference:+.4f}{rel}, {1 - report.alpha:.0%} {e.interval} "
            f"[{e.low:+.4f}, {e.high:+.4f}]{' PROVISIONAL' if e.provisional else ''}"
        )
        lines.append(
            f"    bootstrap [{e.bootstrap_low:+.4f}, {e.bootstrap_high:+.4f}]; {e.test}: "
            f"p = {e.p_value:.4f}; minimum detectable effect {e.mde:.4f}"
        )
        lines.append(
            f"    sequential (mSPRT, always valid) [{e.sequential_low:+.4f}, "
            f"{e.sequential_high:+.4f}]{': rejects no difference' if e.sequential_rejects else ''}"
        )
    if report.excluded:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(report.excluded.items()))
        lines.append(f"Excluded (counted, not analysed): {parts}")
    lines.extend(f"Note: {n}" for n in report.notes)
    return "\n".join(lines)
