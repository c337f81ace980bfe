"""What contextual reranking offers to send to Claude, built only from the governed view.

The builder offers what reranking could reason about, each piece under a field name that
says what it is (``learner.role``, ``learner.performance.goals``, ``context.situations``,
``candidates.title``...). It never decides what may leave: the policy's egress filter does,
at the moment of sending, from the ``anthropic`` entry of processors.yaml. So performance
goals are offered under ``learner.performance`` and the shipped policy removes them there.

Nothing here reads free text a person wrote, names or e-mail addresses: goals are reduced to
the catalogue's skill names, situations to their kind, day and length, and levels to one
decimal, which also lets the answer cache recognise the same context on another day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np

from ..learner import facts
from ..learner.state import LearnerState
from ..models import DataCategory, Recommendation
from .items import ItemMatrix

#: Situations further ahead than this do not make a learner's context "rich".
HORIZON_DAYS = 7
MAX_SITUATIONS = 3
MAX_SKILLS = 8
SUMMARY_CHARS = 300
GOAL_FACTS = ("development_item", "performance_goal", "stated_goal")


def upcoming(state: LearnerState, at: datetime) -> list[tuple[int, Any]]:
    """(days ahead in the learner's calendar, situation) within the horizon, soonest first."""
    try:
        zone = ZoneInfo(state.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    today = at.astimezone(zone).date()
    out = []
    for situation in sorted(state.situations, key=lambda s: s.starts_at):
        if situation.starts_at < at:
            continue
        days = (situation.starts_at.astimezone(zone).date() - today).days
        if days <= HORIZON_DAYS:
            out.append((days, situation))
    return out


def has_rich_context(state: LearnerState, at: datetime) -> bool:
    """Worth asking Claude: an upcoming situation to frame for, and goals to weigh."""
    has_goals = bool(state.goals.any() or state.stated_priority.any())
    return has_goals and bool(upcoming(state, at))


def goal_skills(state: LearnerState, view: Any, items: ItemMatrix) -> tuple[list[int], list[int]]:
    """Skill indices of the learner's goals, split into (stated, performance-only).

    A skill counts as a performance goal only when nothing but ``performance`` category
    facts name it; career interests and development plans are the person's own goals.
    """
    index = items.skills.index
    named: dict[bool, set[int]] = {True: set(), False: set()}
    for fact in view.facts:
        if fact.fact_type in GOAL_FACTS:
            is_performance = fact.data_category == DataCategory.PERFORMANCE
            for skill, _target in facts.skills_named(fact.key, fact.value, index):
                named[is_performance].add(index[skill])
    performance_only = named[True] - named[False]
    goals = [int(s) for s in np.argsort(-state.goals) if state.goals[s] > 0]
    stated = [s for s in goals if s not in performance_only]
    return stated, [s for s in goals if s in performance_only]


def build_payload(
    state: LearnerState,
    view: Any,
    items: ItemMatrix,
    candidates: Sequence[Recommendation],
    summaries: dict[UUID, str],
    at: datetime,
) -> dict[str, Any]:
    """The unfiltered payload: ``learner``, ``context`` and ``candidates`` (in ranker order)."""
    names = items.skills.names
    stated, performance = goal_skills(state, view, items)
    learner: dict[str, Any] = {}
    if state.role_name:
        learner["role"] = state.role_name
    level = next(
        (f.value for f in view.facts if f.fact_type == "management_level"),
        None,
    )
    if isinstance(level, str | int) and not isinstance(level, bool):
        learner["management_level"] = str(level)
    if stated:
        learner["stated_goals"] = [names[s] for s in stated]
    relevant = [int(s) for s in np.flatnonzero(state.target > 0)] + stated
    need = state.weighted_need()
    chosen = sorted(set(relevant), key=lambda s: -float(need[s]))[:MAX_SKILLS]
    if chosen:
        learner["skills"] = [
            {
                "skill": names[s],
                "level": round(float(state.mastery[s]), 1),
                "target": round(float(state.target[s]), 1) if state.target[s] > 0 else None,
            }
            for s in chosen
        ]
    if view.locale:
        learner["locale"] = view.locale
    if performance:
        learner["performance"] = {"goals": [names[s] for s in performance]}

    situations = [
        {"kind": s.kind, "in_days": days, "minutes": round(s.minutes)}
        for days, s in upcoming(state, at)[:MAX_SITUATIONS]
    ]
    payload: dict[str, Any] = {"learner": learner}
    if situations:
        payload["context"] = {"situations": situations}
    payload["candidates"] = [_candidate(items, rec, summaries) for rec in candidates]
    return payload


def _candidate(
    items: ItemMatrix, rec: Recommendation, summaries: dict[UUID, str]
) -> dict[str, Any]:
    i = items.position[rec.content_id]
    skills = np.flatnonzero(items.item_skill[i] > 0)
    out: dict[str, Any] = {
        "id": str(rec.content_id),
        "title": items.titles[i],
        "format": items.format_name(i),
        "duration_minutes": round(float(items.duration[i])),
        "difficulty": round(float(items.difficulty[i]), 2),
        "skills": [items.skills.names[int(s)] for s in skills],
    }
    summary = " ".join(summaries.get(rec.content_id, "").split())
    if summary:
        out["summary"] = summary[:SUMMARY_CHARS]
    return out
