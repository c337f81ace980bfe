"""Builds the calendar source and its periodic sync from learnwire's settings."""

from __future__ import annotations

import logging
from typing import Any

from learnwire.core.config import Settings
from learnwire.core.periodic import PeriodicTask

from .classifier import SituationClassifier
from .settings import CalendarSettings
from .source import SOURCE_NAME, CalendarSource
from .vocabulary import load_vocabulary

log = logging.getLogger(__name__)
PLUGIN_NAME = "calendar"


def calendar_settings(settings: Settings) -> CalendarSettings:
    return settings.plugin_settings(PLUGIN_NAME, CalendarSettings)


def build_source(settings: Settings, *, raise_errors: bool = True) -> CalendarSource | None:
    """The configured source, or None when no feed or CalDAV account is configured."""
    config = calendar_settings(settings)
    if not config.configured:
        return None
    classifier = SituationClassifier(load_vocabulary(config.vocabulary_file))
    return CalendarSource(
        config,
        key=settings.pseudonym_secret(),
        classifier=classifier,
        raise_errors=raise_errors,
    )


def periodic_sync(settings: Settings) -> PeriodicTask | None:
    config = calendar_settings(settings)
    if not config.configured:
        return None
    return PeriodicTask(
        name="calendar.sync",
        every_seconds=config.sync_every_minutes * 60,
        run=run_sync,
    )


def run_sync(settings: Settings) -> dict[str, Any]:
    """One incremental sync of the calendar source into the store; returns its report.

    A calendar that cannot be read is reported under ``error``; what the others brought in
    is stored all the same (each batch commits with its checkpoint).
    """
    from learnwire.core.runtime import Runtime
    from learnwire.core.sync import run_source

    source = build_source(settings, raise_errors=False)
    if source is None:
        return {"source": SOURCE_NAME, "skipped": "no feeds or CalDAV accounts configured"}
    runtime = Runtime(settings)
    try:
        report = run_source(runtime.db, runtime.intake(), source)
    finally:
        runtime.close()
    if source.errors:
        report.error = "; ".join(source.errors)
        log.warning("calendar sync: %s", report.error)
    return report.as_dict()
