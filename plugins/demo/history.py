"""Ninety days of learning for one person, as xAPI statements.

Each day the person may start sessions (how many follows their pace, favourite weekdays and
a slow swing in motivation), at hours drawn from their rhythm in their own time zone. A
session picks a skill (gaps in their role, their goals, a little curiosity, often the skill
they worked on last) and an item for it (format habits, usual session length, difficulty
near their level, rarely something already done). Assessed items produce answers from the
simulation's BKT-like response process before the learning gain is applied. Everything is
drawn from a generator seeded by ``(seed, person)`` and anchored to ``today``, never the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ...core.models import ContentFormat
from . import simulation
from .catalogue import FORMATS, LibraryItem, items_by_skill, library
from .learners import N_SKILLS, LatentProfile
from .statements import PROGRESS_EXTENSION, actor, iso_duration, score, statement

HISTORY_DAYS = 90
PASS_MARK = 0.6
_FORMAT_INDEX = {f: i for i, f in enumerate(FORMATS)}


@dataclass
class LearnerHistory:
    """Statements in time order and the person's mastery after the last of them."""

    statements: list[dict[str, Any]]
    final_mastery: np.ndarray
    sessions: int


def history_window(today: date, days: int = HISTORY_DAYS) -> tuple[datetime, datetime]:
    """[start, end) in UTC: the ``days`` days before ``today`` (midnight UTC)."""
    end = datetime.combine(today, time(0, 0), tzinfo=UTC)
    return end - timedelta(days=days), end


def _uuid(rng: np.random.Generator) -> str:
    """A random (version 4) UUID from ``rng``: ``str(uuid.UUID(bytes=..., version=4))``
    without the intermediate object, as this runs once per statement."""
    b = bytearray(rng.bytes(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def learner_history(
    seed: int, profile: LatentProfile, today: date, days: int = HISTORY_DAYS
) -> LearnerHistory:
    """The person's statements over the ``days`` days before ``today``."""
    rng = np.random.default_rng([seed, 3, profile.person])
    items = library()
    by_skill = items_by_skill()
    zone = ZoneInfo(profile.timezone)
    start, end = history_window(today, days)
    mastery = profile.mastery.copy()
    required = np.zeros(N_SKILLS)
    weight = np.zeros(N_SKILLS)
    for skill, target, w in profile.requirements():
        required[skill], weight[skill] = target, w
    goal_skill = np.array([g.skill for g in profile.goals], dtype=int)
    goal_target = np.array([g.target for g in profile.goals])
    done: set[int] = set()
    out: list[dict[str, Any]] = []
    sessions = 0
    previous: int | None = None
    period, phase = rng.uniform(20, 45), rng.uniform(0, 2 * math.pi)
    first_day = max(0, days - profile.tenure_days)  # recent joiners start on their first day
    for offset in range(first_day, days):
        day = today - timedelta(days=days - offset)
        mood = 1.0 + 0.45 * math.sin(2 * math.pi * offset / period + phase)
        expected = profile.sessions_per_week * profile.weekday_weights[day.weekday()] * mood
        n = int(rng.poisson(expected))
        if n == 0:
            continue
        hours = np.sort(rng.choice(24, size=n, p=profile.hour_weights))
        for hour in hours:
            local = datetime.combine(day, time(int(hour), int(rng.integers(60))), tzinfo=zone)
            at = local.astimezone(UTC)
            # Draw the session either way so one person's stream never depends on the window.
            skill = _pick_skill(rng, mastery, required, weight, goal_skill, goal_target, previous)
            entry_ix = _pick_item(rng, profile, mastery, by_skill[skill], done)
            entry = items[entry_ix]
            statements, finished_at, fraction = _session(rng, profile, mastery, entry, at)
            if at < start or finished_at >= end:
                continue
            simulation.learn(mastery, entry, fraction, profile.learn_rate)
            out.extend(statements)
            sessions += 1
            previous = skill
            if fraction == 1.0:
                done.add(entry_ix)
    return LearnerHistory(out, mastery, sessions)


def _pick_skill(
    rng: np.random.Generator,
    mastery: np.ndarray,
    required: np.ndarray,
    weight: np.ndarray,
    goal_skill: np.ndarray,
    goal_target: np.ndarray,
    previous: int | None,
) -> int:
    if previous is not None and rng.random() < 0.35:
        return previous
    w = 0.03 + 3.0 * weight * np.maximum(required - mastery, 0.0) + 0.1 * weight
    if len(goal_skill):
        w[goal_skill] += 2.5 * np.maximum(goal_target - mastery[goal_skill], 0.05)
    return int(rng.choice(N_SKILLS, p=w / w.sum()))


def _pick_item(
    rng: np.random.Generator,
    profile: LatentProfile,
    mastery: np.ndarray,
    candidates: tuple[int, ...],
    done: set[int],
) -> int:
    items = library()
    w = np.empty(len(candidates))
    for k, ix in enumerate(candidates):
        entry = items[ix]
        m = mastery[entry.skills[0]]
        fit = math.exp(-(((entry.item.difficulty - m - 0.05) / 0.2) ** 2) / 2.0)
        length = math.exp(-abs(entry.item.duration_minutes - profile.session_minutes) / 7.0)
        habit = profile.format_habits[_FORMAT_INDEX[entry.format]]
        w[k] = habit * length * fit * (0.15 if ix in done else 1.0) + 1e-4
    return candidates[int(rng.choice(len(candidates), p=w / w.sum()))]


def _session(
    rng: np.random.Generator,
    profile: LatentProfile,
    mastery: np.ndarray,
    entry: LibraryItem,
    at: datetime,
) -> tuple[list[dict[str, Any]], datetime, float]:
    """The statements of one session, when it ended and how much of the item was done.

    Answers come from ``mastery`` as it was when the session started; the caller applies
    what the session taught once it knows the session falls inside the window.
    """
    minutes = entry.item.duration_minutes
    budget = profile.session_minutes * rng.lognormal(0.0, 0.35)
    finished = rng.random() < (0.92 if minutes <= budget else 0.25)
    fraction = 1.0 if finished else max(0.1, min(0.95, budget / minutes))
    spent = 60.0 * minutes * fraction * rng.lognormal(0.0, 0.2)
    who = actor(profile.employee_id, entry.format)
    registration = _uuid(rng)
    end = at + timedelta(seconds=round(spent))
    out = [statement(_uuid(rng), who, "launched", entry, at, registration)]
    fmt = entry.format
    if fmt is ContentFormat.VIDEO:
        if finished:
            result = {"completion": True, "duration": iso_duration(spent)}
            out.append(statement(_uuid(rng), who, "completed", entry, end, registration, result))
        else:
            result = {
                "completion": False,
                "duration": iso_duration(spent),
                "extensions": {PROGRESS_EXTENSION: round(100 * fraction)},
            }
            out.append(statement(_uuid(rng), who, "progressed", entry, end, registration, result))
    elif fmt is ContentFormat.ARTICLE:
        result = {"completion": finished, "duration": iso_duration(spent)}
        out.append(statement(_uuid(rng), who, "experienced", entry, end, registration, result))
    else:
        asked = entry.questions if finished else max(1, int(entry.questions * fraction))
        answers = simulation.respond(rng, mastery, entry, asked)
        for j, correct in enumerate(answers):
            when = at + timedelta(seconds=round(spent * (j + 1) / (asked + 1)))
            result = {"success": correct, "response": "correct" if correct else "incorrect"}
            out.append(statement(_uuid(rng), who, "answered", entry, when, registration, result))
        if finished:
            right = sum(answers)
            marks = score(right, asked)
            out.append(statement(_uuid(rng), who, "scored", entry, end, registration,
                                 {"score": marks}))  # fmt: skip
            success = marks["scaled"] >= PASS_MARK
            verb = (
                ("passed" if success else "failed")
                if fmt is ContentFormat.EXERCISE
                else ("completed")
            )
            result = {
                "score": marks,
                "success": success,
                "completion": True,
                "duration": iso_duration(spent),
            }
            out.append(statement(_uuid(rng), who, verb, entry, end, registration, result))
    return out, end, fraction
