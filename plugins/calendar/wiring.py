"""Builds the calendar source and its periodic sync from learnwire's settings."""

from __future__ import annotations

from learnwire.core.config import Settings
from learnwire.core.periodic import PeriodicTask
from learnwire.core.sync import periodic_sync

from .classifier import SituationClassifier
from .settings import CalendarSettings
from .source import SOURCE_NAME, CalendarSource
from .vocabulary import load_vocabulary

PLUGIN_NAME = "calendar"


def calendar_settings(settings: Settings) -> CalendarSettings:
    return settings.plugin_settings(PLUGIN_NAME, CalendarSettings)


def build_source(settings: Settings) -> CalendarSource | None:
    """The configured source, or None when no feed or CalDAV account is configured."""
    config = calendar_settings(settings)
    if not config.configured:
        return None
    classifier = SituationClassifier(load_vocabulary(config.vocabulary_file))
    return CalendarSource(config, key=settings.pseudonym_secret(), classifier=classifier)


def periodic_calendar_sync(settings: Settings) -> PeriodicTask | None:
    """Beat entry ``sync.calendar`` (core's isolated sync), when calendars are configured."""
    config = calendar_settings(settings)
    if not config.configured:
        return None
    return periodic_sync(SOURCE_NAME, config.sync_interval_seconds)
