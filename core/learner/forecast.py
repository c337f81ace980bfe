"""Looking 90 days ahead: the gaps likely to bite a learner before a horizon, each with its
reason and date.

Read only from the learner's governed view and state (so a family the policy withholds is
not forecast from) and from organisation data:

- **role change**: a ``succession_target`` or ``career_interest`` fact whose value carries a
  date (``effective_date``, ``target_date``, ``start_date`` or ``date``) within the horizon;
  each skill that role requires above the learner's current level is a gap due that day.
- **team priority**: a priority on one of the learner's teams with an end date within the
  horizon, on a skill not yet at 0.8 (the level a goal without its own target gets).
- **decay**: a skill the learner needs (role or goal) that is reached or nearly reached but
  has not been practised for :data:`DECAY_IDLE_DAYS` days. This is a rule, not a fitted
  memory model: the default follows the spacing literature's finding that retention of
  unreviewed material falls steeply within months (Cepeda et al. 2006, Psychological
  Bulletin 132(3)); a memory model per person and skill replaces it when one is present.
- **calendar**: a situation on the calendar within the horizon (what to prepare for).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from ..governed_view import GovernedView
from . import facts
from .org import OrgContext
from .state import LearnerState

HORIZON_DAYS = 90
#: Days without practice after which a reached skill is treated as at risk of slipping.
DECAY_IDLE_DAYS = 60.0
#: A reached skill this close above its target is the one that slips below it first.
DECAY_MARGIN = 0.1
#: The level a team priority asks for when it names none (as a goal without a target).
PRIORITY_LEVEL = 0.8
_DATE_KEYS = ("effective_date", "target_date", "start_date", "date")
_MOVE_KINDS = {"succession_target": "succession", "career_interest": "role change"}


@dataclass(frozen=True)
class ForecastGap:
    kind: str  # role_change | team_priority | decay | calendar
    due: date
    reason: str
    skill_id: str | None = None
    skill: str | None = None
    level: float | None = None
    target: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "due": self.due.isoformat()}


def upcoming_moves(
    view_facts: Any, org: OrgContext, today: date, horizon_days: int = HORIZON_DAYS
) -> list[tuple[str, str, date]]:
    """(kind, job profile id, date) of dated role changes within the horizon."""
    moves = []
    for fact in view_facts:
        kind = _MOVE_KINDS.get(fact.fact_type)
        if kind is None or not isinstance(fact.value, dict):
            continue
        pid = facts.profile_id(fact.value)
        when = next(
            (d for k in _DATE_KEYS if (d := facts.date_of(fact.value.get(k))) is not None), None
        )
        horizon = today + timedelta(days=horizon_days)
        if pid in org.profiles and when is not None and today <= when <= horizon:
            moves.append((kind, pid, when))
    return moves


def forecast(
    view: GovernedView,
    state: LearnerState,
    org: OrgContext,
    skill_ids: list[str],
    skill_names: list[str],
    *,
    horizon_days: int = HORIZON_DAYS,
) -> list[ForecastGap]:
    """The gaps likely to bite ``state``'s learner within ``horizon_days``, soonest first."""
    now: datetime = view.as_of
    today = now.date()
    gaps: list[ForecastGap] = []
    mastery = state.mastery

    def gap(kind: str, due: date, s: int, target: float, reason: str) -> ForecastGap:
        return ForecastGap(
            kind, due, reason, skill_ids[s], skill_names[s], round(float(mastery[s]), 2),
            round(float(target), 2),
        )  # fmt: skip

    for kind, pid, when in upcoming_moves(view.facts, org, today, horizon_days):
        profile = org.profiles[pid]
        for s in np.flatnonzero(profile.target > mastery).tolist():
            target = float(profile.target[s])
            gaps.append(gap("role_change", when, s, target, (
                f"your {kind} to {profile.name} on {when.isoformat()} needs {skill_names[s]} "
                f"at {target:.0%}; you are at about {float(mastery[s]):.0%}"
            )))  # fmt: skip
    for m in view.memberships:
        ends = org.team_priority_until.get((m.source, m.unit_external_id), {})
        for s, until_at in ends.items():
            until = until_at.astimezone(UTC).date()
            if today <= until <= today + timedelta(days=horizon_days) and (
                mastery[s] < PRIORITY_LEVEL
            ):
                gaps.append(gap("team_priority", until, s, PRIORITY_LEVEL, (
                    f"your team's priority on {skill_names[s]} runs until {until.isoformat()}"
                )))  # fmt: skip
    needed = np.maximum(state.target, np.where(state.goals > 0, PRIORITY_LEVEL, 0))
    idle = state.days_since_practice
    at_risk = (
        (needed > 0)
        & np.isfinite(idle)
        & (idle >= DECAY_IDLE_DAYS)
        & (mastery >= needed - DECAY_MARGIN)
        & (mastery < needed + DECAY_MARGIN)
    )
    for s in np.flatnonzero(at_risk).tolist():
        days = int(idle[s])
        due = today + timedelta(days=max(0, min(horizon_days, int(2 * DECAY_IDLE_DAYS) - days)))
        gaps.append(gap("decay", due, s, float(needed[s]), (
            f"you last practised {skill_names[s]} {days} days ago; without practice it is "
            f"likely to slip below the {float(needed[s]):.0%} you need"
        )))  # fmt: skip
    end = now + timedelta(days=horizon_days)
    for c in view.calendar:
        if now <= c.starts_at <= end:
            label = c.situation.replace("_", " ")
            gaps.append(ForecastGap(
                "calendar", c.starts_at.date(), f"a {label} on {c.starts_at.date().isoformat()}"
            ))  # fmt: skip
    gaps.sort(key=lambda g: (g.due, g.kind, g.skill_id or ""))
    return gaps


def forecast_need(
    gaps: list[ForecastGap], skill_index: dict[str, int], n: int, today: date
) -> np.ndarray:
    """Per skill, how much the forecast asks for it: the shortfall (0.1 for a skill at risk
    of decay), more the sooner it is due (due today counts fully, at the horizon half)."""
    need = np.zeros(n, np.float32)
    for g in gaps:
        if g.skill_id is None or g.skill_id not in skill_index:
            continue
        short = max(0.0, (g.target or 0.0) - (g.level or 0.0)) if g.kind != "decay" else 0.1
        soon = 1.0 - 0.5 * min(1.0, (g.due - today).days / HORIZON_DAYS)
        s = skill_index[g.skill_id]
        need[s] = max(need[s], short * soon)
    return need
