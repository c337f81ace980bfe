"""The LTI tool as a learnwire plugin: routes, commands and tables, through hooks only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ... import hookimpl
from ...core.migrations_source import MigrationSource
from .personal_data import LtiLaunchData


@hookimpl
def register_blueprints(settings: Any) -> list[Any]:
    from .flask import make_blueprint

    return [make_blueprint()]


@hookimpl
def register_commands(cli: Any) -> None:
    from .cli import lti

    cli.add_command(lti)


@hookimpl
def register_migrations() -> list[MigrationSource]:
    return [MigrationSource(namespace="lti", directory=Path(__file__).parent / "migrations")]


@hookimpl
def register_personal_data(settings: Any) -> list[Any]:
    return [LtiLaunchData.from_settings(settings)]
