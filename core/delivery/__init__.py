"""Delivery: the planner, the outbox and the contract channels implement.

Channels (e-mail, Slack, Teams, the LMS) are plugins registered through
``register_delivery_channels``; the policy screens and filters every message through
``register_delivery_governance``.
"""

from .channel import (
    CADENCES,
    KINDS,
    ChannelError,
    DeliveryChannel,
    DeliveryReceipt,
    Message,
    MessageItem,
    MessageSurvey,
    SurveyAnswer,
)
from .governance import ChannelRef, DeliveryGovernance, DeliveryRefused, PlannedMessage

__all__ = [
    "CADENCES",
    "KINDS",
    "ChannelError",
    "ChannelRef",
    "DeliveryChannel",
    "DeliveryGovernance",
    "DeliveryReceipt",
    "DeliveryRefused",
    "Message",
    "MessageItem",
    "MessageSurvey",
    "PlannedMessage",
    "SurveyAnswer",
]
