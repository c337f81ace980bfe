"""Hook implementations of the built-in catalogue plugin (entry point ``catalogue``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ... import hookimpl
from ...core.config import Settings
from ...core.embedders.active import active_embedder
from ...core.migrations_source import MigrationSource
from ...core.periodic import PeriodicTask
from ...core.runtime import Runtime, in_runtime
from ...core.sources import ContentProvider
from .commands import content_import
from .provider import FileCatalogueProvider
from .reports_commands import curation
from .retirement_commands import retirement
from .settings import CatalogueSettings, catalogue_settings
from .skills_commands import skills
from .tagger import retag
from .tags_commands import tags, verify_and_apply

PLUGIN_NAME = "catalogue"
#: A periodic run's verification stops after this long; the next run goes on.
VERIFY_SECONDS = 300.0


@hookimpl
def register_content_providers(settings: Settings) -> list[ContentProvider]:
    config = settings.plugin_settings(PLUGIN_NAME, CatalogueSettings)
    return [FileCatalogueProvider(f.name, f.path, base_url=f.base_url) for f in config.files]


@hookimpl
def register_blueprints(settings: Settings) -> list[Any]:
    from .flask import make_blueprint

    return [make_blueprint()]


@hookimpl
def register_migrations() -> list[MigrationSource]:
    return [MigrationSource(namespace="catalogue", directory=Path(__file__).parent / "migrations")]


@hookimpl
def register_commands(cli: click.Group) -> None:
    group = cli.commands.get("content")
    if not isinstance(group, click.Group):
        group = click.Group("content", help="The content catalogue.")
        cli.add_command(group)
    group.add_command(content_import)
    group.add_command(retirement)
    cli.add_command(skills)
    cli.add_command(tags)
    cli.add_command(curation)


def tag_content(runtime: Runtime) -> dict[str, Any]:
    """Tag the live items that are new or changed since they were last tagged, then (when
    switched on) have Claude verify machine tags."""
    config = catalogue_settings(runtime.settings)
    calibration, threshold, flag_limit = config.tagging()
    report = retag(
        runtime.db,
        active_embedder(runtime),
        calibration,
        flag_limit=flag_limit,
        threshold=threshold,
        changed_only=True,
    ).as_dict()
    if config.claude_verification:
        report["verification"] = verify_and_apply(
            runtime, config.verify_items_per_run, VERIFY_SECONDS
        )
    return report


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    every = catalogue_settings(settings).tag_every_seconds
    return [PeriodicTask(name="catalogue.tag", every_seconds=every, run=in_runtime(tag_content))]
