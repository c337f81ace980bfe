"""The Teams channel as a learnwire plugin: configured by ``[plugins.teams]``."""

from __future__ import annotations

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.delivery import DeliveryChannel

from .channel import TeamsChannel
from .settings import TeamsSettings


@hookimpl(trylast=True)
def register_delivery_channels(settings: Settings) -> list[DeliveryChannel]:
    own = settings.plugin_settings("teams", TeamsSettings)
    return [TeamsChannel(own)] if own.webhook_url is not None else []
