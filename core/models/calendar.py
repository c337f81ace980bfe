"""Work context from a calendar: only the situation, time and duration are ever stored."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from .base import DataCategory, RecordMeta


class CalendarSignal(RecordMeta):
    """An upcoming work situation. Titles, descriptions and attendees never reach this model.

    ``event_key`` is a keyed hash of the calendar event's UID and start, so a resync replaces
    the signal rather than duplicating it.
    """

    data_category: DataCategory = DataCategory.CALENDAR
    situation: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    starts_at: AwareDatetime
    duration_minutes: float = Field(ge=0, le=7 * 24 * 60)
    event_key: str = Field(min_length=8, max_length=128)
