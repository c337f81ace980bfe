"""Hook implementations of the sample organisation (entry point ``demo``).

``learnwire demo`` loads it in the order the store's references need and prints a summary.
Configured (``LEARNWIRE_PLUGINS__DEMO__ENABLED=true``), its HR system, learning library,
learning record store and calendars are also ordinary sources for ``learnwire sync``.
Unconfigured, the source hooks return empty lists.
"""

from __future__ import annotations

from datetime import date

import click
from pydantic import BaseModel, ConfigDict, Field

from ... import hookimpl
from ...core.config import Settings
from ...core.sources import ContentProvider, SignalSource
from .cli import demo
from .organisation import MAX_LEARNERS, MIN_LEARNERS, build_organisation
from .source import (
    DEFAULT_BATCH,
    DEFAULT_TODAY,
    DemoCalendarSource,
    DemoCatalogue,
    DemoHrSource,
    DemoLrsSource,
    DemoParameters,
)

PLUGIN_NAME = "demo"


class DemoSettings(BaseModel):
    """``LEARNWIRE_PLUGINS__DEMO__<FIELD>``: the sample organisation as sync sources."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=False, description="Offer the demo's sources to sync.")
    seed: int = 7
    learners: int = Field(default=300, ge=MIN_LEARNERS, le=MAX_LEARNERS)
    today: date = DEFAULT_TODAY
    batch_size: int = Field(default=DEFAULT_BATCH, ge=1, le=5000)

    def parameters(self) -> DemoParameters:
        return DemoParameters(seed=self.seed, learners=self.learners, today=self.today)


def demo_settings(settings: Settings) -> DemoSettings:
    return settings.plugin_settings(PLUGIN_NAME, DemoSettings)


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(demo)


@hookimpl
def register_signal_sources(settings: Settings) -> list[SignalSource]:
    own = demo_settings(settings)
    if not own.enabled:
        return []
    params = own.parameters()
    org = build_organisation(params.seed, params.learners)
    return [
        DemoHrSource(org, params, own.batch_size),
        DemoLrsSource(org, params, own.batch_size),
        DemoCalendarSource(org, params, own.batch_size),
    ]


@hookimpl
def register_content_providers(settings: Settings) -> list[ContentProvider]:
    return [DemoCatalogue()] if demo_settings(settings).enabled else []
