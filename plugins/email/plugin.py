"""The e-mail channel as a learnwire plugin: configured by ``[plugins.email]``."""

from __future__ import annotations

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.delivery import DeliveryChannel

from .channel import EmailChannel
from .settings import EmailSettings


@hookimpl(trylast=True)
def register_delivery_channels(settings: Settings) -> list[DeliveryChannel]:
    own = settings.plugin_settings("email", EmailSettings)
    return [EmailChannel(own)] if own.host else []
