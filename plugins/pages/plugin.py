"""The pages as a learnwire plugin (entry point ``pages``): blueprints, their tables and the
housekeeping that keeps sign-ins, served-aggregate memories and team priorities current.

Sections built on other plugins (experiments, curation) are mounted by :mod:`.sections`
only when the plugin behind each is loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.migrations_source import MigrationSource
from learnwire.core.periodic import PeriodicTask
from learnwire.core.runtime import in_runtime

from .settings import pages_settings
from .signin import purge_expired


@hookimpl
def register_migrations() -> list[MigrationSource]:
    return [MigrationSource(namespace="pages", directory=Path(__file__).parent / "migrations")]


@hookimpl
def register_blueprints(settings: Settings) -> list[Blueprint]:
    from .auth import auth
    from .compliance import compliance_api, compliance_pages
    from .ld import ld_api, ld_pages
    from .ld_outcomes import outcome_api, outcome_pages
    from .me import api, pages
    from .openapi import openapi
    from .sections import host
    from .team import team_api, team_pages

    return [
        *(auth, pages, api, team_pages, team_api),
        *(compliance_pages, compliance_api, ld_pages, ld_api, openapi),
        *(outcome_pages, outcome_api),
        # Sections built on other plugins, mounted only when those are loaded.
        host,
    ]


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    return [
        PeriodicTask(name="pages.housekeeping", every_seconds=300, run=in_runtime(housekeeping))
    ]


def housekeeping(runtime: Any) -> dict[str, Any]:
    """Forget expired sign-ins and served-aggregate sets; delete expired team priorities
    (deleting them moves the model version, so rankings stop reading them)."""
    window = pages_settings(runtime.settings).differencing_window_hours
    with runtime.db.connection() as conn:
        sessions = purge_expired(conn)
        served = conn.execute(
            "DELETE FROM served_aggregate WHERE served_at < now() - make_interval(secs => %s)",
            (window * 3600,),
        ).rowcount
        priorities = conn.execute("DELETE FROM team_priority WHERE expires_at <= now()").rowcount
    return {"sessions": sessions, "served_aggregates": served, "team_priorities": priorities}
