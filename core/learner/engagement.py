"""Engagement profile from behavioural events: time on task, revisits, skips and abandons,
completion ratio per format, preferred session length, saves, and a smoothed time-of-day and
weekday rhythm in the learner's own time zone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

COMPLETING = ("completed", "passed", "mastered")
STARTING = (
    "launched",
    "initialized",
    "experienced",
    "viewed",
    "attempted",
    "progressed",
    "accessed",
    "resumed",
)
ABANDONING = ("abandoned", "skipped", "terminated", "suspended", "exited")
SAVING = ("saved", "bookmarked", "save", "liked")
#: Records of something done *to* the learner (a message delivered, a list left): kept as
#: learning events so the loop closes, but they are not the person's own activity.
RECEIVING = ("delivered", "unsubscribed")
SESSION_GAP = timedelta(minutes=30)


@lru_cache(maxsize=4096)
def verb_kind(verb_iri: str) -> str:
    word = verb_iri.rstrip("/").rsplit("/", 1)[-1].lower()
    for kind, words in (
        ("complete", COMPLETING),
        ("start", STARTING),
        ("abandon", ABANDONING),
        ("save", SAVING),
        ("receive", RECEIVING),
    ):
        if word in words:
            return kind
    return "other"


@dataclass(frozen=True)
class Activity:
    """One behavioural or assessment event as the engagement profile needs it."""

    at: datetime
    verb: str
    item: int | None  # catalogue index, None when the activity is not a known item
    format_code: int | None
    duration_seconds: float | None = None
    completion: bool | None = None


def _no_data() -> np.ndarray:
    return np.zeros(0, np.float32)


@dataclass
class EngagementProfile:
    """A learner's engagement; the arrays are empty until :func:`profile` fills them."""

    n_formats: int
    minutes_on_task: float = 0.0
    sessions: int = 0
    session_minutes: float = 10.0
    revisits: int = 0
    abandons: int = 0
    saves: int = 0
    completion_by_format: np.ndarray = field(default_factory=_no_data)
    format_daypart: np.ndarray = field(default_factory=_no_data)
    hour_rhythm: np.ndarray = field(default_factory=_no_data)
    weekday_rhythm: np.ndarray = field(default_factory=_no_data)
    completed: dict[int, datetime] = field(default_factory=dict)
    engaged: dict[int, float] = field(default_factory=dict)


def _circular_smooth(counts: np.ndarray, width: float) -> np.ndarray:
    n = len(counts)
    offsets = np.arange(n)
    distance = np.minimum(offsets, n - offsets)
    kernel = np.exp(-(distance**2) / (2 * width**2))
    smoothed = np.real(np.fft.ifft(np.fft.fft(counts) * np.fft.fft(kernel)))
    smoothed = np.clip(smoothed, 0, None) + 1e-3
    return (smoothed / smoothed.sum()).astype(np.float32)


def profile(activities: Sequence[Activity], *, n_formats: int, timezone: str) -> EngagementProfile:
    """Summarise a learner's activities (any order) into an engagement profile."""
    try:
        tz = ZoneInfo(timezone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    out = EngagementProfile(n_formats=n_formats)
    acts = sorted(activities, key=lambda a: a.at)
    started: dict[int, int] = defaultdict(int)
    finished: set[int] = set()
    fmt_started = np.zeros(n_formats)
    fmt_done = np.zeros(n_formats)
    part_started = np.zeros((n_formats, 4))
    part_done = np.zeros((n_formats, 4))
    hours = np.zeros(24)
    weekdays = np.zeros(7)
    session_lengths: list[float] = []
    session_start = session_end = None
    for act in acts:
        kind = verb_kind(act.verb)
        if kind == "receive":
            continue
        local = act.at.astimezone(tz)
        hours[local.hour] += 1
        weekdays[local.weekday()] += 1
        if session_end is None or act.at - session_end > SESSION_GAP:
            if session_start is not None:
                session_lengths.append(_minutes(session_start, session_end, 0))
            session_start = act.at
        end = act.at + timedelta(seconds=act.duration_seconds or 0)
        session_end = max(session_end or end, end)
        if act.duration_seconds:
            out.minutes_on_task += act.duration_seconds / 60
        part = min(local.hour // 6, 3)
        if act.item is not None:
            if kind == "start":
                started[act.item] += 1
                if act.format_code is not None:
                    fmt_started[act.format_code] += 1
                    part_started[act.format_code, part] += 1
            if kind == "complete" or act.completion:
                finished.add(act.item)
                out.completed[act.item] = act.at
                out.engaged[act.item] = out.engaged.get(act.item, 0) + 1.0
                if act.format_code is not None:
                    fmt_done[act.format_code] += 1
                    part_done[act.format_code, part] += 1
            if kind == "save":
                out.saves += 1
                out.engaged[act.item] = out.engaged.get(act.item, 0) + 0.5
            if kind == "abandon":
                out.abandons += 1
    if session_start is not None:
        session_lengths.append(_minutes(session_start, session_end, 0))
    out.sessions = len(session_lengths)
    if session_lengths:
        out.session_minutes = float(np.clip(np.median(session_lengths), 3, 60))
    out.revisits = sum(1 for n in started.values() if n > 1)
    out.abandons += sum(1 for item in started if item not in finished)
    # Beta(2, 2)-style smoothing: a format tried once says little.
    prior = 0.5
    out.completion_by_format = (fmt_done + 2 * prior) / (np.maximum(fmt_started, fmt_done) + 2)
    out.completion_by_format = out.completion_by_format.astype(np.float32)
    base = out.completion_by_format[:, None]
    out.format_daypart = (part_done + 2 * base) / (np.maximum(part_started, part_done) + 2)
    out.format_daypart = out.format_daypart.astype(np.float32)
    out.hour_rhythm = _circular_smooth(hours, 1.5)
    out.weekday_rhythm = _circular_smooth(weekdays, 0.8)
    return out


def _minutes(start: datetime | None, end: datetime | None, floor: float) -> float:
    if start is None or end is None:
        return floor
    return max((end - start).total_seconds() / 60, floor, 1.0)
