"""Building a learner's state from their governed view — the only personal data it reads.

Mastery is replayed from the assessment events the view admits (BKT, constant time per
event), so opting out of assessment results really removes them from the model; facts give
the role, goals and priorities; events give engagement and practice history; calendar
situations give the week ahead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from ..governed_view import GovernedView
from ..ranker.items import FORMATS, ItemMatrix
from . import engagement, facts, forecast, level
from .feedback import verdict_of
from .org import OrgContext
from .recall import trace
from .replay import Answers, Practice, Replay
from .state import LearnerState, Situation
from .survey_feedback import SurveyAnswers

GOAL_ORIGINS = {
    "development_item": "your development plan",
    "performance_goal": "your performance goals",
    "stated_goal": "a goal you set",
    "career_interest": "the role you are aiming for",
    "succession_target": "the role you are being prepared for",
}
RECENT_DAYS = 7.0


def build_state(view: GovernedView, items: ItemMatrix, org: OrgContext) -> LearnerState:
    """The learner's state as ``view`` (the governance's view for one purpose) shows it."""
    state = _new_state(view, org)
    now: datetime = view.as_of
    _from_facts(state, view.facts, items, org, now)
    replay = Replay(state, items, org)
    replay.run(view.events)
    replay.fade_to(now.timestamp())
    trace(state, view.events, org, now)
    _prerequisite_targets(state, items)
    _activity(state, view.events, items, now)
    state.situations = [
        Situation(c.situation, c.starts_at, c.duration_minutes)
        for c in view.calendar
        if c.starts_at >= now
    ]
    for m in view.memberships:
        unit = (m.source, m.unit_external_id)
        if unit in org.team_gap:
            state.team_gap = np.maximum(state.team_gap, org.team_gap[unit])
        if unit in org.team_priority and not m.is_manager:
            priority = org.team_priority[unit]
            ended = [
                s for s, until in org.team_priority_until.get(unit, {}).items() if until <= now
            ]
            if ended:
                priority = priority.copy()
                priority[ended] = 0.0
            state.manager_priority = np.maximum(state.manager_priority, priority)
    state.forecast = forecast.forecast(view, state, org, items.skills.ids, items.skills.names)
    return state


def start_state(
    view: GovernedView, items: ItemMatrix, org: OrgContext, now: datetime
) -> LearnerState:
    """The state before any event is replayed: the role, HR levels and priors the view's
    facts give as of ``now``. :class:`~learnwire.core.learner.replay.Replay` then folds in
    the events one by one, exactly as :func:`build_state` does (outcome reports read levels
    between events)."""
    state = _new_state(view, org)
    _from_facts(state, view.facts, items, org, now)
    return state


def replay_answers(view: GovernedView, items: ItemMatrix, org: OrgContext) -> Answers:
    """Every answer in ``view``, in order, with the level the learner model held when it was
    given (what answer calibration fits): the levels' replay alone, without the rest of
    :func:`build_state`."""
    state = _new_state(view, org)
    _from_facts(state, view.facts, items, org, view.as_of)
    answers: Answers = []
    Replay(state, items, org, answers=answers).run(view.events)
    return answers


def replay_evidence(
    view: GovernedView, items: ItemMatrix, org: OrgContext
) -> tuple[np.ndarray, Practice]:
    """The levels the learner model starts ``view``'s person at (before any event) and each
    item practised, with the levels held then: the practice curve's fit reads these beside
    the answers (:mod:`learnwire.core.learner.gain_evidence`)."""
    state = _new_state(view, org)
    _from_facts(state, view.facts, items, org, view.as_of)
    start = state.mastery.copy()
    practice: Practice = []
    Replay(state, items, org, practice=practice).run(view.events)
    return start, practice


def _new_state(view: GovernedView, org: OrgContext) -> LearnerState:
    state = LearnerState(
        learner_id=view.learner_id,
        n_skills=len(org.skill_index),
        n_formats=len(FORMATS),
        timezone=view.timezone,
        gain=org.gain,
    )
    for status in view.blocked:
        state.blocked[status.family] = f"{status.reason}: {status.detail}".strip(": ")
    return state


def _from_facts(
    state: LearnerState, view_facts: Any, items: ItemMatrix, org: OrgContext, now: datetime
) -> None:
    index = org.skill_index
    hr_levels: dict[int, float] = {}
    years_in_company: float | None = None
    years_in_role: float | None = None
    previous: list[tuple[str, float | None, float]] = []  # (profile id, years held, days since)
    for fact in view_facts:
        kind = fact.fact_type
        if kind == "job_profile":
            pid = facts.profile_id(fact.value)
            profile = org.profiles.get(pid or "")
            if profile is not None:
                state.role_id, state.role_name = profile.id, profile.name
                state.target, state.target_weight = profile.target.copy(), profile.weight.copy()
        elif kind == "skill_level" and fact.key in index:
            lvl = facts.level(fact.value)
            if lvl is not None:
                hr_levels[index[fact.key]] = float(np.clip(lvl, 0, 1))
        elif kind in ("development_item", "performance_goal", "stated_goal"):
            for skill, target in facts.skills_named(fact.key, fact.value, index):
                s = index[skill]
                state.goals[s] = max(state.goals[s], target if target is not None else 0.8)
                state.goal_origin.setdefault(s, GOAL_ORIGINS[kind])
        elif kind in ("career_interest", "succession_target"):
            profile = org.profiles.get(facts.profile_id(fact.value) or "")
            if profile is not None:
                for s in np.flatnonzero(profile.target).tolist():
                    state.goals[s] = max(state.goals[s], 0.5 * float(profile.weight[s]))
                    state.goal_origin.setdefault(int(s), f"{GOAL_ORIGINS[kind]} ({profile.name})")
        elif kind == "hire_date":
            hired = facts.date_of(fact.value)
            if hired is not None:
                years_in_company = facts.years_between(hired, now.date())
        elif kind == "job_profile_start":
            started = facts.date_of(fact.value)
            if started is not None:
                years_in_role = facts.years_between(started, now.date())
        elif kind == "previous_job_profile":
            pid = facts.profile_id(fact.value) or fact.key
            if pid:
                ended = facts.end_date(fact.value)
                away = float((now.date() - ended).days) if ended is not None else 0.0
                previous.append((pid, facts.years_held(fact.value), max(0.0, away)))
        elif kind == "stated_priority" and fact.key in index:
            weight = facts.level(fact.value)
            if weight is not None:
                state.stated_priority[index[fact.key]] = float(np.clip(weight, 0, 1))
    priors = np.array([p.prior for p in org.params], np.float64)
    with np.errstate(divide="ignore"):
        state.known_logit = np.log(priors) - np.log1p(-priors)
    state.p_known = priors.astype(np.float32)
    state.mastery = np.full(len(org.params), level.DEFAULT_LEVEL, np.float32)
    # People hold a role because they are near its bar, and grow into it with time:
    # without evidence, a required skill starts at a share of its target that rises with
    # years in the role (when HR gives the date the person started it; the hire date stands
    # in when it does not) instead of the generic default. Years in the company alone
    # read someone who moved from another role as long grown into this one.
    required = state.target > 0
    share = level.role_prior_share(years_in_role if years_in_role is not None else years_in_company)
    state.mastery[required] = np.maximum(state.mastery[required], share * state.target[required])
    # What a role held before asked for is evidence about those skills (the same reading of
    # its bar and of the time spent in it), whatever the new role asks. What the new role
    # does not ask for has gone unused since the move, so it fades towards the default at
    # the organisation's fitted forgetting rate, as unconfirmed practice does.
    for pid, held, since in previous:
        before = org.profiles.get(pid)
        if before is not None and pid != state.role_id:
            carried = level.role_prior_share(held) * before.target
            kept = np.where(required, 1.0, state.gain.decay(since))
            # Levels start at the default or above, so only what lies above it can count.
            faded = level.DEFAULT_LEVEL + (carried - level.DEFAULT_LEVEL) * kept
            state.mastery = np.maximum(state.mastery, faded.astype(np.float32))
    for s, lvl in hr_levels.items():
        # An HR-recorded level is the starting point the learner's own evidence refines.
        state.mastery[s] = lvl


def _prerequisite_targets(state: LearnerState, items: ItemMatrix) -> None:
    """A required skill whose prerequisite is not yet at its minimum level makes that
    prerequisite a target too (the knowledge graph's learning path), so advanced items are
    unlocked by practice rather than waiting for ever behind the gate."""
    prereq = items.skills.prereq_level
    for _ in range(3):  # prerequisites of prerequisites, a few levels deep
        changed = False
        for skill in np.flatnonzero(state.target > 0):
            for p in np.flatnonzero(prereq[skill]):
                needed = float(prereq[skill, p])
                if state.target[p] < needed and state.mastery[p] < needed:
                    state.target[p] = needed
                    state.target_weight[p] = max(
                        float(state.target_weight[p]), 0.6 * float(state.target_weight[skill])
                    )
                    state.prerequisite_for.setdefault(int(p), int(skill))
                    changed = True
        if not changed:
            break


def _activity(state: LearnerState, events: Any, items: ItemMatrix, now: datetime) -> None:
    index = items.skills.index
    acts = []
    last_practice = np.full(len(index), -np.inf)
    surveys = SurveyAnswers()
    for e in events:
        if e.data_category == "feedback":
            verdict = verdict_of(e.verb)
            item = items.position.get(e.content_id) if e.content_id else None
            if item is None:
                item = items.by_activity.get(e.object_id)
            if verdict and item is not None:
                _apply_feedback(state, items, item, verdict)
            elif item is not None:
                surveys.add(e.verb, e.response, item, e.occurred_at)
            continue
        item = items.position.get(e.content_id) if e.content_id else None
        fmt = int(items.format_code[item]) if item is not None else None
        acts.append(
            engagement.Activity(e.occurred_at, e.verb, item, fmt, e.duration_seconds, e.completion)
        )
        stamp = e.occurred_at.timestamp()
        for skill in e.skill_ids:
            s = index.get(skill)
            if s is not None and stamp > last_practice[s]:
                last_practice[s] = stamp
    surveys.apply(state, items, now)
    profile = engagement.profile(acts, n_formats=len(FORMATS), timezone=state.timezone)
    state.format_pref = profile.completion_by_format
    state.format_daypart = profile.format_daypart
    state.session_minutes = profile.session_minutes
    state.hour_rhythm, state.weekday_rhythm = profile.hour_rhythm, profile.weekday_rhythm
    state.done_items = profile.completed
    state.engaged_items = profile.engaged
    days = (now.timestamp() - last_practice) / 86400
    state.days_since_practice = days.astype(np.float32)
    state.recent_practice = np.where(days <= RECENT_DAYS, np.exp(-days / 3), 0).astype(np.float32)


def _apply_feedback(state: LearnerState, items: ItemMatrix, item: int, verdict: str) -> None:
    state.item_feedback[item] = verdict
    skills = items.item_skill[item]
    fmt = int(items.format_code[item])
    if verdict == "useful":
        state.skill_feedback += 0.5 * skills
        state.format_feedback[fmt] += 0.5
    elif verdict == "not_useful":
        state.skill_feedback -= 0.3 * skills
        state.format_feedback[fmt] -= 0.5
    elif verdict == "more_like_this":
        state.more_like.append(item)
        state.skill_feedback += 0.8 * skills
