"""The policy layer as a learnwire plugin (entry point ``policies``): the host's governance
(intake guard, governed views, access checks), tables, CLI, privacy API and the scheduled
retention sweep and policy reload.

The host refuses to take in or serve data without governance, so this plugin must be loaded:
leaving it out of ``LEARNWIRE_PLUGINS_ALLOW``, or a failure to import it, stops the host with
the reason instead of running unguarded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from .. import hookimpl
from ..core.config import Settings
from ..core.delivery import DeliveryGovernance
from ..core.governance import Governance
from ..core.migrations_source import MigrationSource
from ..core.periodic import PeriodicTask
from ..core.runtime import in_runtime
from ..core.store import Database
from . import versions
from .cli_policy import policy_group
from .cli_privacy import audit_group, privacy_group, run_sweep
from .delivery import PolicyDeliveryGovernance
from .engine import PolicyEngine, engine_for
from .governance import PolicyGovernance
from .http import privacy_api


class PoliciesSettings(BaseModel):
    """``LEARNWIRE_PLUGINS__POLICIES__<FIELD>``."""

    model_config = ConfigDict(extra="forbid")

    sweep_every_seconds: float = Field(default=3600, gt=0)
    sweep_batch_size: int = Field(default=1000, ge=1, le=100_000)
    reload_every_seconds: float = Field(
        default=60, gt=0, description="How often the policy directory is checked for edits."
    )


@hookimpl(trylast=True)
def register_governance(settings: Settings, db: Database) -> Governance:
    # trylast: an installed governance plugin is asked first and wins.
    return PolicyGovernance(PolicyEngine.from_settings(settings, db))


@hookimpl
def register_delivery_governance(settings: Settings) -> list[DeliveryGovernance]:
    return [PolicyDeliveryGovernance(PolicyEngine.from_settings(settings))]


@hookimpl
def register_migrations() -> list[MigrationSource]:
    return [MigrationSource(namespace="policies", directory=Path(__file__).parent / "migrations")]


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(policy_group)
    cli.add_command(privacy_group)
    existing = cli.commands.get("audit")
    if isinstance(existing, click.Group):
        # The core's ``audit`` group (divergence, signals) gains verify and log.
        for name, command in audit_group.commands.items():
            existing.add_command(command, name)
    else:
        cli.add_command(audit_group)


@hookimpl
def register_blueprints(settings: Settings) -> list[Blueprint]:
    return [privacy_api]


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    own = settings.plugin_settings("policies", PoliciesSettings)
    return [
        PeriodicTask(
            name="policies.retention_sweep",
            every_seconds=own.sweep_every_seconds,
            run=in_runtime(lambda runtime: _sweep(runtime, own.sweep_batch_size)),
        ),
        PeriodicTask(
            name="policies.reload",
            every_seconds=own.reload_every_seconds,
            run=in_runtime(_reload),
        ),
    ]


def _sweep(runtime: Any, batch_size: int) -> dict[str, Any]:
    return run_sweep(runtime, engine_for(runtime), batch_size=batch_size)


def _reload(runtime: Any) -> dict[str, Any]:
    """Store the deployment's policy directory as a new version when its files changed."""
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        return versions.sync_directory(conn, engine, runtime.settings.policy_dir)
