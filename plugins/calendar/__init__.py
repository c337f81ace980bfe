"""Built-in calendar plugin: upcoming meetings from ICS feeds and CalDAV become work
situations (one-to-one, performance review, presentation, ...), stored without titles,
descriptions or attendees. Registers through the ``learnwire`` entry-point group like any
third-party plugin; see docs/calendar.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnwire import hookimpl

if TYPE_CHECKING:
    import click

    from learnwire.core.config import Settings
    from learnwire.core.periodic import PeriodicTask
    from learnwire.core.sources import SignalSource

PLUGIN_NAME = "calendar"


@hookimpl
def register_signal_sources(settings: Settings) -> list[SignalSource]:
    from .wiring import build_source

    source = build_source(settings)
    return [source] if source is not None else []


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    from .wiring import periodic_calendar_sync

    task = periodic_calendar_sync(settings)
    return [task] if task is not None else []


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import calendar

    cli.add_command(calendar)
