"""What ``/me`` shows a learner, built from one ranking and the governed view it read.

Everything here is the learner's own data as the policy lets recommendations use it: the
skills chart, the progress and the "what shapes my recommendations" report all read the
same governed view as the ranker, so what the page says is withheld is what the ranker did
not see.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import numpy as np
from pydantic import BaseModel, ConfigDict

from learnwire.core.learner.build import build_state
from learnwire.core.ranker.audit import ranking_report
from learnwire.core.ranker.recommendations_store import store_ranking
from learnwire.core.ranker.service import RecommendationService
from learnwire.policies.access import Subject
from learnwire.policies.consent import opted_out
from learnwire.policies.model import PolicySet

HORIZONS = (30, 60, 90)
#: The level's interval shown: about 90% of the model's belief (estimate +/- 1.645 sd).
Z90 = 1.645


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TodayItem(_Out):
    content_id: UUID
    rank: int
    title: str
    format: str
    duration_minutes: float
    launch_url: str
    why: str
    stretch: bool
    stretch_reason: str | None
    rating: str | None


class SkillLevel(_Out):
    skill_id: str
    name: str
    level: float
    low: float
    high: float
    evidence: float
    target: float | None
    goal: bool
    stated_priority: float


class Progress(_Out):
    days: int
    role_level_then: float | None
    role_level_now: float | None
    skills_improved: int
    completed: int


class FamilyLine(_Out):
    family: str
    description: str
    status: Literal["used", "not_used", "switched_off", "withheld_by_policy", "too_old", "none"]
    in_words: str
    records: int
    signals: list[str]
    can_opt_out: bool
    opted_out: bool


class MeView(_Out):
    learner_id: UUID
    at: datetime
    role: str | None
    today: list[TodayItem]
    skills: list[SkillLevel]
    progress: list[Progress]
    data_used: list[FamilyLine]
    policy_version: int | None
    skills_to_prioritise: list[dict[str, str]]


def me_view(
    svc: RecommendationService,
    learner_id: UUID,
    *,
    at: datetime,
    policy: PolicySet,
    limit: int = 5,
) -> MeView:
    """Rank for the learner (stored, as the LTI page does) and describe what shaped it."""
    me = Subject.learner(learner_id)
    with svc.runtime.db.connection() as conn:
        ranking, view = svc.rank(conn, learner_id, at=at, limit=limit, viewer=me)
        store_ranking(conn, ranking)
        model = svc.model(conn)
        signals = {s.name: s for s in model.ranker.signals}
        switched_off = set(opted_out(conn, learner_id))
    items, org = model.items, model.org
    state = build_state(view, items, org)
    names = items.skills.names
    today = [
        TodayItem(
            content_id=r.content_id,
            rank=r.rank,
            title=items.titles[i],
            format=items.format_name(i),
            duration_minutes=float(items.duration[i]),
            launch_url=items.launch_urls[i],
            why=r.explanation,
            stretch=r.stretch,
            stretch_reason=r.stretch_reason,
            rating=state.item_feedback.get(i),
        )
        for r in ranking.recommendations
        if (i := items.position.get(r.content_id)) is not None
    ]
    sd = state.level_sd
    shown = np.flatnonzero(
        (state.target > 0) | (state.goals > 0) | (state.stated_priority > 0) | (state.evidence > 0)
    )
    skills = [
        SkillLevel(
            skill_id=items.skills.ids[s],
            name=names[s],
            level=round(float(state.mastery[s]), 3),
            low=round(float(max(0.0, state.mastery[s] - Z90 * sd[s])), 3),
            high=round(float(min(1.0, state.mastery[s] + Z90 * sd[s])), 3),
            evidence=round(float(state.evidence[s]), 2),
            target=round(float(state.target[s]), 3) if state.target[s] > 0 else None,
            goal=bool(state.goals[s] > 0),
            stated_priority=round(float(state.stated_priority[s]), 2),
        )
        for s in sorted(shown, key=lambda s: (-float(state.target[s]), names[s]))
    ]
    report = ranking_report(svc, view, ranking, signals)
    return MeView(
        learner_id=learner_id,
        at=at,
        role=_role_name(view, org),
        today=today,
        skills=skills,
        progress=[_progress(view, items, org, state, days) for days in HORIZONS],
        data_used=_families(report, policy, switched_off),
        policy_version=view.policy_version,
        skills_to_prioritise=[
            {"skill_id": sid, "name": name}
            for sid, name in sorted(zip(items.skills.ids, names, strict=True), key=lambda p: p[1])
        ],
    )


def _role_name(view: Any, org: Any) -> str | None:
    for fact in view.facts:
        if fact.fact_type == "job_profile":
            value = fact.value
            profile = value.get("id") if isinstance(value, dict) else value
            found = org.profiles.get(str(profile))
            return found.name if found else str(profile)
    return None


def _progress(view: Any, items: Any, org: Any, now_state: Any, days: int) -> Progress:
    """Levels as the model would have estimated them ``days`` ago, from the same view cut
    at that moment, against today's."""
    then_at = view.as_of - timedelta(days=days)
    earlier = dataclasses.replace(
        view,
        as_of=then_at,
        events=tuple(e for e in view.events if e.occurred_at <= then_at),
        facts=tuple(f for f in view.facts if f.occurred_at <= then_at),
        calendar=(),
    )
    then = build_state(earlier, items, org)
    role = now_state.target > 0
    completed = sum(
        1 for e in view.events if e.completion and then_at < e.occurred_at <= view.as_of
    )
    improved = int(np.sum((now_state.mastery - then.mastery) > 0.02))
    return Progress(
        days=days,
        role_level_then=round(float(then.mastery[role].mean()), 3) if role.any() else None,
        role_level_now=round(float(now_state.mastery[role].mean()), 3) if role.any() else None,
        skills_improved=improved,
        completed=completed,
    )


def _families(report: Any, policy: Any, switched_off: set[str]) -> list[FamilyLine]:
    lines = []
    for use in report.families:
        rule = policy.families.get(use.family)
        status, words = _in_words(use)
        lines.append(
            FamilyLine(
                family=use.family,
                description=use.description,
                status=status,
                in_words=words,
                records=use.records,
                signals=use.signals,
                can_opt_out=bool(rule and rule.opt_out),
                opted_out=use.family in switched_off,
            )
        )
    return lines


def _in_words(use: Any) -> tuple[Any, str]:
    """One sentence a person would accept for what happened to a family of their data."""
    if use.status == "blocked" and use.reason == "opt_out":
        return "switched_off", "You switched this off: it is not collected or used."
    if use.status == "blocked" and use.reason == "purpose":
        return (
            "withheld_by_policy",
            "Your organisation's policy does not let recommendations use this.",
        )
    if use.status == "blocked":
        return "too_old", "What is held is older than the policy keeps for this use."
    if use.status == "empty":
        return "none", "Nothing of this kind is held about you."
    held = f"{use.records} record{'s' if use.records != 1 else ''}"
    old = sum(use.withheld.values())
    tail = f"; {old} older one{'s' if old != 1 else ''} no longer used" if old else ""
    if use.signals:
        named = ", ".join(s.replace("_", " ") for s in use.signals)
        return "used", f"Used ({held}{tail}) by: {named}."
    return "not_used", f"Available ({held}{tail}), but no part of today's ranking read it."
