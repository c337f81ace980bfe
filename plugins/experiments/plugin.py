"""The experiments as a learnwire plugin (entry point ``experiments``): their tables, the
command group, and the variant resolver through which the ranker serves each arm."""

from __future__ import annotations

from pathlib import Path

import click

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.migrations_source import MigrationSource
from learnwire.core.ranker.variants import VariantResolver

from .cli import experiment_group
from .resolver import ExperimentVariants


@hookimpl
def register_migrations() -> list[MigrationSource]:
    return [
        MigrationSource(namespace="experiments", directory=Path(__file__).parent / "migrations")
    ]


@hookimpl
def register_ranking_variants(settings: Settings) -> list[VariantResolver]:
    return [ExperimentVariants()]


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(experiment_group)
