"""Delivery as a learnwire plugin (entry point ``delivery``): its tables, the ``delivery``
and ``surveys`` commands, the message links and the scheduled run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Blueprint

from ... import hookimpl
from ..config import Settings
from ..migrations_source import MigrationSource
from ..periodic import PeriodicTask
from ..runtime import in_runtime
from ..surveys.cli import surveys_group
from .cli import delivery_group
from .run import run
from .settings import PLUGIN_NAME, delivery_settings
from .web import delivery_pages

__all__ = ["PLUGIN_NAME"]


@hookimpl
def register_migrations() -> list[MigrationSource]:
    return [
        MigrationSource(
            namespace="delivery", directory=Path(__file__).parent / "migrations", order=10
        )
    ]


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(delivery_group)
    # The surveys' answers arrive mostly through messages; their summary rides along.
    cli.add_command(surveys_group)


@hookimpl
def register_blueprints(settings: Settings) -> list[Blueprint]:
    return [delivery_pages]


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    own = delivery_settings(settings)
    return [
        PeriodicTask(name="delivery.run", every_seconds=own.run_every_seconds, run=in_runtime(_run))
    ]


def _run(runtime: Any) -> dict[str, Any]:
    return run(runtime).as_dict()
