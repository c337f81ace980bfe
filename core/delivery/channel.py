"""Contract for delivery channels: how a rendered message reaches a learner.

A channel is a transport (e-mail, Slack, Teams, the LMS). The host decides who gets what and
when, lets the policy remove channels, chooses the items, filters what may leave for the
channel's external processor and renders the message; the channel only carries it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ..errors import LearnwireError
from ..models import Boundary

Cadence = Literal["immediate", "daily", "weekly", "off"]
CADENCES: tuple[str, ...] = ("immediate", "daily", "weekly", "off")
KINDS: tuple[str, ...] = ("digest", "nudge", "survey")


class DeliveryReceipt(Boundary):
    """What a channel reports after sending: ``provider_id`` is the provider's own id of the
    message when it gives one (Slack's ``ts``, an SMTP queue id)."""

    channel: str
    delivered: bool
    detail: str = ""
    provider_id: str = ""


class ChannelError(LearnwireError):
    """A send failed. ``permanent``: retrying cannot help (a bad token, an address the
    provider refuses, a bounce); otherwise the host retries with backoff. The message must
    say what to fix and never contain a secret or the recipient's address."""

    title = "delivery channel error"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class MessageItem(Boundary):
    """One item of a message: what it is, why, how long, and links through learnwire."""

    title: str = ""
    reason: str = ""
    duration_minutes: float | None = None
    format: str = ""
    url: str = ""
    dismiss_url: str = ""
    activity: str = ""  # the item's activity IRI (for xAPI write-back)


class SurveyAnswer(Boundary):
    """One answer to a micro-survey question: its words and the one-tap link recording it."""

    label: str = ""
    url: str = ""


class MessageSurvey(Boundary):
    """A micro-survey question a message asks ("Was this relevant to your work now?"),
    what it is about (an item's title; a team and skill for a manager) and its answers."""

    question: str = ""
    about: str = ""
    answers: list[SurveyAnswer] = Field(default_factory=list)


class Message(Boundary):
    """A message ready to carry. ``address`` is the envelope (who, in the channel's terms);
    everything else has passed the processor's field rules. ``text`` and ``html`` are the
    organisation's templates rendered from those fields."""

    send_id: int
    learner_id: UUID
    kind: str
    channel: str
    address: str = ""
    subject: str = ""
    intro: str = ""
    timing: str = ""
    items: list[MessageItem] = Field(default_factory=list)
    surveys: list[MessageSurvey] = Field(default_factory=list)
    unsubscribe_url: str = ""
    text: str = ""
    html: str = ""


class DeliveryChannel(ABC):
    """A transport for messages to learners. ``name`` is what preferences and the outbox
    call it; ``processor`` names its entry in the policy's external processors (None: the
    message never leaves learnwire); ``needs_address`` says whether a person must have a
    contact in this channel to be reached by it."""

    name: str
    processor: str | None = None
    needs_address: bool = True
    #: The external processor a record of every delivered message goes to (the LMS's LRS),
    #: in the policy's terms; None: this channel keeps no such record.
    write_back_processor: str | None = None

    @abstractmethod
    def send(self, message: Message) -> DeliveryReceipt:
        """Carry ``message``; raise :class:`ChannelError` when it could not."""

    def write_back_delivered(self, message: Message, *, at: datetime) -> None:
        """Record elsewhere that ``message`` reached the person through ``message.channel``
        (any channel, this one included) at ``at``. The host calls it after each successful
        send, only when ``write_back_processor`` is set and the policy lets the message's
        person go to it, with ``message`` holding only what that processor's rules allow.
        Raise :class:`ChannelError` when it could not: the send stays sent, the failure is
        logged. Key what is written on ``message.send_id`` so writing twice stores it once."""
        return None  # most channels keep no record of what other channels delivered
