"""When a person learns: the best send time from their engagement rhythm.

Activity is counted by local weekday and hour (in the person's own time zone, so a DST
change moves nothing). The day's own hours count most, the same hour on other days adds
evidence, neighbouring hours share a little (people are not punctual to the hour), and a
default for newcomers carries the weight of a session (configurable), so a person with no
history gets the default and their own sessions soon outweigh it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOURS = np.arange(24)
#: The hour-of-day profile over the whole week counts as this many days of the weekday's own.
OTHER_DAYS_WEIGHT = 2.0 / 7.0
SMOOTH_HOURS = 1.0
PRIOR_WIDTH_HOURS = 1.5


def _kernel(width: float) -> np.ndarray:
    distance = np.minimum(
        np.abs(HOURS[:, None] - HOURS[None, :]), 24 - np.abs(HOURS[:, None] - HOURS[None, :])
    )
    k = np.exp(-(distance**2) / (2 * width**2))
    return k / k.sum(axis=0, keepdims=True)


_SMOOTH = _kernel(SMOOTH_HOURS)


@dataclass(frozen=True)
class SendTime:
    hour: int
    minute: int
    learned: bool  # from the person's own rhythm (False: the newcomer default)

    def explain(self) -> str:
        at = f"{self.hour:02d}:{self.minute:02d}"
        if self.learned:
            return f"sent at {at}, when you usually learn"
        return f"sent at {at}; we will learn which time suits you best"


def prior(default_hour: int, weight: float) -> np.ndarray:
    """The newcomer default as pseudo-counts around ``default_hour``."""
    d = np.minimum(np.abs(HOURS - default_hour), 24 - np.abs(HOURS - default_hour))
    p = np.exp(-(d**2) / (2 * PRIOR_WIDTH_HOURS**2))
    return weight * p / p.sum()


def hour_scores(counts: np.ndarray, weekday: int) -> np.ndarray:
    """Evidence per local hour on ``weekday`` from a (7, 24) array of activity counts."""
    own = counts[weekday]
    other = counts.sum(axis=0) - own
    return (own + OTHER_DAYS_WEIGHT * other) @ _SMOOTH


def best_time(
    counts: np.ndarray,
    minutes: np.ndarray,
    weekday: int,
    allowed: np.ndarray,
    *,
    prior_counts: np.ndarray,
) -> SendTime | None:
    """The best allowed hour on ``weekday``; None when no hour is allowed.

    :param counts: (7, 24) activity counts by local weekday and hour.
    :param minutes: (24,) mean minute of activity started in each hour (NaN: none).
    :param allowed: (24,) bool, hours the message may go out.
    """
    if not allowed.any():
        return None
    evidence = hour_scores(counts, weekday)
    score = np.where(allowed, evidence + prior_counts, -np.inf)
    hour = int(np.argmax(score))
    learned = bool(evidence[hour] > prior_counts[hour])
    minute = 0
    if learned and not np.isnan(minutes[hour]):
        # To the five minutes before the usual start, so the message is waiting for them.
        minute = int(max(0.0, minutes[hour] - 5) // 5 * 5)
    return SendTime(hour, minute, learned)


def allowed_hours(quiet_from: int, quiet_to: int, not_before: int = 0) -> np.ndarray:
    """Hours outside the quiet window (``quiet_from`` up to, not including, ``quiet_to``,
    wrapping midnight) and not earlier than ``not_before``."""
    if quiet_from == quiet_to:
        quiet = np.zeros(24, bool)
    elif quiet_from < quiet_to:
        quiet = (quiet_from <= HOURS) & (quiet_to > HOURS)
    else:
        quiet = (quiet_from <= HOURS) | (quiet_to > HOURS)
    return ~quiet & (not_before <= HOURS)
