"""Hook implementations of the built-in Moodle plugin (entry point ``moodle``).

Unconfigured (no ``url`` or ``token``), every hook returns an empty list.
"""

from __future__ import annotations

from ... import hookimpl
from ...core.config import Settings
from ...core.periodic import PeriodicTask
from ...core.sources import ContentProvider, SignalSource
from ...core.sync import periodic_sync
from .client import MoodleClient
from .content import MoodleContentProvider
from .settings import MoodleSettings
from .signals import MoodleSignalSource
from .skills import SkillMapFile, load_skill_map

PLUGIN_NAME = "moodle"


def moodle_settings(settings: Settings) -> MoodleSettings:
    return settings.plugin_settings(PLUGIN_NAME, MoodleSettings)


def _parts(settings: Settings) -> tuple[MoodleSettings, MoodleClient, SkillMapFile] | None:
    ms = moodle_settings(settings)
    if not ms.configured or ms.token is None:
        return None
    client = MoodleClient(
        ms.site,
        ms.token.get_secret_value(),
        timeout=ms.timeout_seconds,
        retries=ms.retries,
        backoff=ms.backoff_seconds,
    )
    return ms, client, load_skill_map(ms.skill_map)


@hookimpl
def register_signal_sources(settings: Settings) -> list[SignalSource]:
    parts = _parts(settings)
    return [MoodleSignalSource(*parts)] if parts else []


@hookimpl
def register_content_providers(settings: Settings) -> list[ContentProvider]:
    parts = _parts(settings)
    return [MoodleContentProvider(*parts)] if parts else []


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    ms = moodle_settings(settings)
    if not ms.configured:
        return []
    return [periodic_sync(PLUGIN_NAME, ms.sync_interval_seconds)]
