"""The Slack channel as a learnwire plugin: configured by ``[plugins.slack]``."""

from __future__ import annotations

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.delivery import DeliveryChannel

from .channel import SlackChannel
from .settings import SlackSettings


@hookimpl(trylast=True)
def register_delivery_channels(settings: Settings) -> list[DeliveryChannel]:
    own = settings.plugin_settings("slack", SlackSettings)
    return [SlackChannel(own)] if own.bot_token is not None else []
