"""The LMS channel as a learnwire plugin: configured by ``[plugins.lms]``."""

from __future__ import annotations

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.delivery import DeliveryChannel

from .channel import LmsChannel
from .settings import LmsSettings


@hookimpl(trylast=True)
def register_delivery_channels(settings: Settings) -> list[DeliveryChannel]:
    own = settings.plugin_settings("lms", LmsSettings)
    return [LmsChannel(own, home_page=settings.public_url)] if own.enabled else []
