"""Hook implementations of the built-in Workday plugin (entry point ``workday``).

Unconfigured (no base URL, tenant or API client credentials), the source hooks return empty
lists; the ``learnwire hr import`` command is always there, for organisations without
Workday.
"""

from __future__ import annotations

import click

from ... import hookimpl
from ...core.config import Settings
from ...core.periodic import PeriodicTask
from ...core.sources import SignalSource
from ...core.sync import periodic_sync
from .client import WorkdayClient
from .commands import hr
from .settings import WorkdaySettings
from .signals import WorkdaySignalSource

PLUGIN_NAME = "workday"


def workday_settings(settings: Settings) -> WorkdaySettings:
    return settings.plugin_settings(PLUGIN_NAME, WorkdaySettings)


def make_client(ws: WorkdaySettings) -> WorkdayClient:
    assert ws.client_id and ws.client_secret and ws.refresh_token and ws.tenant
    return WorkdayClient(
        host=ws.host,
        tenant=ws.tenant,
        client_id=ws.client_id,
        client_secret=ws.client_secret.get_secret_value(),
        refresh_token=ws.refresh_token.get_secret_value(),
        token_url=ws.effective_token_url,
        api_version=ws.api_version,
        timeout=ws.timeout_seconds,
        retries=ws.retries,
        backoff=ws.backoff_seconds,
    )


@hookimpl
def register_signal_sources(settings: Settings) -> list[SignalSource]:
    ws = workday_settings(settings)
    if not ws.configured:
        return []
    return [WorkdaySignalSource(ws, make_client(ws))]


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(hr)


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    ws = workday_settings(settings)
    if not ws.configured:
        return []
    return [periodic_sync(PLUGIN_NAME, ws.sync_interval_seconds)]
