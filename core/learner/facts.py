"""Reading HR and feedback facts the same way whatever source wrote them.

Conventions every source follows (docs/sources.md lists what Workday and the HR CSV import
write):

- ``job_profile``: value is the job profile id, or an object with ``id``.
- ``skill_level``: key is the skill id; value is a level in [0, 1] or ``{"level": x}``.
- ``development_item``, ``performance_goal``, ``stated_goal``: value names skills with
  ``skill_id`` or ``skills`` (and optionally ``target_level``); the key may be the skill id.
- ``career_interest``, ``succession_target``: value is the target job profile id (or
  ``{"job_profile_id": ...}``); its required skills become goals. A date in the value
  (``effective_date``, ``target_date``, ``start_date`` or ``date``) dates the move for the
  90-day forecast.
- ``stated_priority``: key is the skill id, value the weight in [0, 1].
- ``hire_date``: value is an ISO date (or ``{"date": ...}``).
- ``job_profile_start``: when the person started their current job profile, an ISO date (or
  ``{"date": ...}``).
- ``previous_job_profile``: a job profile the person held before; value is its id (or an
  object with ``id``, and optionally ``start_date`` and ``end_date``); key the profile id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any


def profile_id(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        for key in ("job_profile_id", "id", "job_profile"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def date_of(value: Any) -> date | None:
    """A date given as ISO text or ``{"date": ...}`` (e.g. ``hire_date``)."""
    if isinstance(value, dict):
        value = value.get("date")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def years_between(start: date, end: date) -> float:
    """Whole days from ``start`` to ``end`` in years (0 when ``end`` comes first)."""
    return max(0.0, (end - start).days / 365.25)


def end_date(value: Any) -> date | None:
    """A held position's ``end_date`` (None unless the value carries a date there)."""
    return date_of(value.get("end_date")) if isinstance(value, dict) else None


def years_held(value: Any) -> float | None:
    """Years between a value's ``start_date`` and ``end_date`` (None unless both are dates
    and the end is not before the start)."""
    if not isinstance(value, dict):
        return None
    start, end = date_of(value.get("start_date")), end_date(value)
    if start is None or end is None or end < start:
        return None
    return years_between(start, end)


def level(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict) and isinstance(value.get("level"), int | float):
        return float(value["level"])
    return None


def skills_named(key: str, value: Any, known: Iterable[str]) -> list[tuple[str, float | None]]:
    """(skill id, target level or None) named by a goal-like fact."""
    known = set(known)
    found: list[tuple[str, float | None]] = []
    if isinstance(value, dict):
        target = value.get("target_level")
        target = float(target) if isinstance(target, int | float) else None
        if isinstance(value.get("skill_id"), str):
            found.append((value["skill_id"], target))
        for s in value.get("skills", []) or []:
            if isinstance(s, str):
                found.append((s, target))
            elif isinstance(s, dict) and isinstance(s.get("skill_id"), str):
                t = s.get("target_level", target)
                found.append((s["skill_id"], float(t) if isinstance(t, int | float) else None))
    elif isinstance(value, str) and value in known:
        found.append((value, None))
    if not found and key in known:
        found.append((key, None))
    return [(s, t) for s, t in found if s in known]
