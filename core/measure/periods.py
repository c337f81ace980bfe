"""Calendar periods a report's series is cut into: weeks (Monday to Monday), months or
quarters, in UTC, the first and last clipped to the report's window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Period = Literal["week", "month", "quarter"]
PERIODS: tuple[Period, ...] = ("week", "month", "quarter")


@dataclass(frozen=True)
class Span:
    label: str
    start: datetime
    end: datetime


def spans(since: datetime, until: datetime, period: Period) -> list[Span]:
    """The periods covering ``[since, until)``, each clipped to it.

    :raises ValueError: an unknown period or an empty window.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    if until <= since:
        raise ValueError(
            f"the window is empty: {since.isoformat()} is not before {until.isoformat()}"
        )
    out = []
    at = _floor(since.astimezone(UTC), period)
    while at < until:
        nxt = _next(at, period)
        out.append(Span(_label(at, period), max(at, since), min(nxt, until)))
        at = nxt
    return out


def _floor(t: datetime, period: Period) -> datetime:
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(day=1, month=3 * ((day.month - 1) // 3) + 1)


def _next(t: datetime, period: Period) -> datetime:
    if period == "week":
        return t + timedelta(days=7)
    months = 1 if period == "month" else 3
    month = t.month - 1 + months
    return t.replace(year=t.year + month // 12, month=month % 12 + 1)


def _label(t: datetime, period: Period) -> str:
    if period == "week":
        year, week, _ = t.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{t.year}-{t.month:02d}"
    return f"{t.year}-Q{(t.month - 1) // 3 + 1}"
