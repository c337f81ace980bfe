"""Outcomes per person over a window: what the organisation's reports and experiments add up.

Read for the purpose ``learning_analytics`` through the governance
(:meth:`~learnwire.core.governance.Governance.aggregate_views`): a record the policy keeps
from that purpose (opt-out, retention, category) counts for nothing here either. Figures
per person are inputs to figures over groups; nothing in this module shows them to anyone.

Per person, over ``[start, min(start + horizon, now)]``:

- completions (distinct items finished) and engagement (days with learning activity);
- the learner model's level on the role's required skills at 0, 30, 60 and 90 days, each
  with the model's 90% credible range (see :mod:`.levels`);
- whether every required skill reached the role's target level, and after how many days;
- relevance and application rates from the micro-surveys (None until any were answered):
  the share of "relevant" among relevance answers, and of "used" among application answers
  (a person's latest answer per item). An answer counts only if the governed view holds
  its statement (so opting out of feedback, or its retention running out, removes it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
from pydantic import BaseModel, ConfigDict

from ..governance import Governance, Subject
from ..governed_view import GovernedView
from ..learner import engagement
from ..learner.org import OrgContext, load_org
from ..ranker.items import ItemMatrix, load_items
from ..surveys import APPLICATION, RELEVANCE, SurveyResponse, survey_responses
from .levels import LevelTrack, track_levels

Conn = psycopg.Connection[Any]
PURPOSE = "learning_analytics"
#: Days after the start at which mastery progression is read.
CHECKPOINTS = (0, 30, 60, 90)
_DAY = 86400.0


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MasteryAt(_Out):
    """The role level ``day`` days after the start (None before that day has come, or
    without a role): importance-weighted mean over the required skills, with the model's
    90% credible range, and the change since the start."""

    day: int
    at: datetime
    level: float | None
    low: float | None
    high: float | None
    gain: float | None
    skills_at_target: float | None


class PersonOutcome(_Out):
    learner_id: UUID
    role_id: str | None
    start: datetime
    end: datetime
    observed_days: float
    completions: int
    active_days: int
    #: Share of the observed days with any learning activity.
    active_day_share: float | None
    target_level: float | None
    mastery: list[MasteryAt]
    #: Every required skill at or above the role's target by ``end`` (None: no role).
    proficient: bool | None
    proficient_at_start: bool | None
    #: Days from ``start`` until proficient (0 when already at the start).
    days_to_proficiency: float | None
    relevance_rate: float | None = None
    relevance_answers: int = 0
    application_rate: float | None = None
    application_answers: int = 0


@dataclass(frozen=True)
class OutcomeModel:
    """What outcomes are computed against: the catalogue and the learner model's
    organisation context (job profiles, fitted parameters)."""

    items: ItemMatrix
    org: OrgContext


def load_outcome_model(conn: Conn, governance: Governance) -> OutcomeModel:
    items = load_items(conn)
    org = load_org(conn, items.skills.ids, k=governance.min_group_size)
    return OutcomeModel(items, org)


def person_outcomes(
    conn: Conn,
    person_ids: Sequence[UUID],
    *,
    start: datetime,
    horizon_days: int,
    now: datetime,
    governance: Governance,
    viewer: Subject,
    model: OutcomeModel | None = None,
) -> list[PersonOutcome]:
    """Outcomes of each of ``person_ids`` (unknown ids left out) from ``start`` over
    ``horizon_days``, as known at ``now``; read for ``learning_analytics`` as ``viewer``.

    One query per table for everyone (the governance's bulk read), one per survey kind,
    then one replay of each person's events.

    :raises ValueError: ``horizon_days`` is not positive.

    :raises AccessDenied: ``viewer`` may not read organisation figures, or the people
        are fewer than k (audited).
    """
    if horizon_days <= 0:
        raise ValueError("horizon_days must be positive")
    views = governance.aggregate_views(conn, list(person_ids), PURPOSE, viewer, as_of=now)
    model = model or load_outcome_model(conn, governance)
    end = min(start + timedelta(days=horizon_days), now)
    answers = answers_by_person(conn, list(views), start, end)
    return [
        outcome_of(
            views[pid],
            model,
            start=start,
            horizon_days=horizon_days,
            now=now,
            answers=answers.get(pid, ()),
        )
        for pid in person_ids
        if pid in views
    ]


def answers_by_person(
    conn: Conn, people: list[UUID], start: datetime, end: datetime
) -> dict[UUID, list[SurveyResponse]]:
    """Relevance and application answers given in ``[start, end]``, per person."""
    out: dict[UUID, list[SurveyResponse]] = defaultdict(list)
    until = end + timedelta(microseconds=1)  # survey_responses' window is half-open
    for kind in (RELEVANCE, APPLICATION):
        for r in survey_responses(conn, kind=kind, person_ids=people, since=start, until=until):
            out[r.person_id].append(r)
    return out


def outcome_moments(start: datetime, horizon_days: int, now: datetime) -> list[datetime]:
    """The moments :func:`outcome_of` reads levels at: the checkpoints within the horizon
    (those not yet come read at the window's end, and shown as not yet), and the end."""
    end = min(start + timedelta(days=horizon_days), now)
    return [*(min(start + timedelta(days=d), end) for d in CHECKPOINTS if d <= horizon_days), end]


def outcome_of(
    view: GovernedView,
    model: OutcomeModel,
    *,
    start: datetime,
    horizon_days: int,
    now: datetime,
    answers: Sequence[SurveyResponse] = (),
    track: LevelTrack | None = None,
) -> PersonOutcome:
    """One person's outcome from their governed view (see :func:`person_outcomes`) and
    their survey ``answers`` (those the view does not hold are left out). ``track``: the
    person's levels already replayed from ``start`` at (at least) :func:`outcome_moments`,
    with facts as of ``now`` (a report reading more moments replays once for all)."""
    end = min(start + timedelta(days=horizon_days), now)
    days = [d for d in CHECKPOINTS if d <= horizon_days]
    moments = [start + timedelta(days=d) for d in days]
    if track is None:
        # The window's end is the last moment read, so proficiency is followed to it.
        track = track_levels(
            view,
            model.items,
            model.org,
            outcome_moments(start, horizon_days, now),
            start=start,
            facts_as_of=now,
        )
    completions, active = activity(view, start, end + timedelta(microseconds=1))
    observed = max(0.0, (end - start).total_seconds() / _DAY)
    since = track.proficient_since if track.has_role else None
    reached = since is not None and since <= end
    held = {e.statement_id for e in view.events if e.data_category == "feedback"}
    kept = [a for a in answers if a.statement_id in held and start <= a.answered_at <= end]
    relevance = [a.answer == "relevant" for a in kept if a.kind == RELEVANCE]
    application = [a.answer == "used" for a in kept if a.kind == APPLICATION]
    return PersonOutcome(
        learner_id=view.learner_id,
        role_id=track.role_id,
        start=start,
        end=end,
        observed_days=round(observed, 3),
        completions=completions,
        active_days=active,
        active_day_share=round(active / max(1, _whole_days(observed)), 4) if observed else None,
        target_level=_r(track.target_level()),
        mastery=_mastery(track, days, moments, end),
        proficient=reached if track.has_role else None,
        proficient_at_start=(since == start) if track.has_role else None,
        days_to_proficiency=(
            round((since - start).total_seconds() / _DAY, 3)
            if reached and since is not None
            else None
        ),
        relevance_rate=_rate(relevance),
        relevance_answers=len(relevance),
        application_rate=_rate(application),
        application_answers=len(application),
    )


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _mastery(
    track: LevelTrack, days: list[int], moments: list[datetime], end: datetime
) -> list[MasteryAt]:
    base = track.role_level(track.index_of(moments[0]))
    out = []
    for day, at in zip(days, moments, strict=True):
        i = track.index_of(at) if at <= end else -1
        now = track.role_level(i) if at <= end else None
        out.append(
            MasteryAt(
                day=day,
                at=at,
                level=_r(now[0]) if now else None,
                low=_r(now[1]) if now else None,
                high=_r(now[2]) if now else None,
                gain=_r(now[0] - base[0]) if now and base else None,
                skills_at_target=_r(track.at_target(i)) if now else None,
            )
        )
    return out


@dataclass(frozen=True)
class ActivityLog:
    """A person's learning activity in time order (feedback left out: ratings and survey
    answers are about learning, not learning): when, on which local day, and the item
    finished if any. Built once, counted over any number of windows."""

    at: tuple[datetime, ...]
    day: tuple[Any, ...]
    done: tuple[str | None, ...]

    @classmethod
    def of(cls, view: GovernedView) -> ActivityLog:
        zone = _zone(view.timezone)
        rows = [
            (
                e.occurred_at,
                e.occurred_at.astimezone(zone).date(),
                (str(e.content_id) if e.content_id else e.object_id)
                if e.completion or engagement.verb_kind(e.verb) == "complete"
                else None,
            )
            for e in view.events
            if e.data_category != "feedback"
        ]
        rows.sort(key=lambda r: r[0])
        return cls(tuple(r[0] for r in rows), tuple(r[1] for r in rows), tuple(r[2] for r in rows))

    def count(self, start: datetime, end: datetime) -> tuple[int, int]:
        """(distinct items finished, distinct local days active) in ``[start, end)``."""
        lo, hi = bisect_left(self.at, start), bisect_left(self.at, end)
        return len({d for d in self.done[lo:hi] if d is not None}), len(set(self.day[lo:hi]))


def activity(view: GovernedView, start: datetime, end: datetime) -> tuple[int, int]:
    """(distinct items finished, distinct local days with learning activity) in
    ``[start, end)``: :class:`ActivityLog` for one window."""
    return ActivityLog.of(view).count(start, end)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # an unknown zone name: count days in UTC
        return ZoneInfo("UTC")


def _whole_days(days: float) -> int:
    return int(-(-days // 1))


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)
