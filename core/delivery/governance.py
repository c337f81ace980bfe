"""The questions delivery asks the policy, and nothing else: which planned messages (and
which of their channels) may go, and what of a message may leave for a channel's external
processor. The policy engine implements this through ``register_delivery_governance``; the
host refuses to deliver without it (fail closed).

Like edx-ace's policy chain, governance removes channels before anything is rendered.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg

from ..errors import Forbidden

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class ChannelRef:
    name: str
    processor: str | None


@dataclass
class PlannedMessage:
    """A message the planner would send: to whom, what kind, through which channels, and
    which data categories choosing it used (a nudge uses the calendar)."""

    learner_id: UUID
    kind: str
    channels: list[ChannelRef]
    uses: frozenset[str] = frozenset()
    refused: dict[str, str] = field(default_factory=dict)  # channel or "*" -> reason


#: The data categories each kind of message relies on beyond the ranking: a nudge is chosen
#: from the calendar; a survey message asks for feedback, so a person who opted out of it
#: gets none (the policy decides, in ``screen``).
KIND_USES: dict[str, frozenset[str]] = {
    "nudge": frozenset({"calendar"}),
    "survey": frozenset({"feedback"}),
}


def uses_of(kind: str) -> frozenset[str]:
    return KIND_USES.get(kind, frozenset())


class DeliveryRefused(Forbidden):
    title = "delivery refused"


class DeliveryGovernance(ABC):
    @abstractmethod
    def screen(self, conn: Conn, plans: Sequence[PlannedMessage]) -> None:
        """Fill each plan's ``refused`` with the channels the policy removes and why; ``"*"``
        refuses the whole message. Must not write (except to the audit log)."""

    @abstractmethod
    def outbound(
        self,
        conn: Conn,
        *,
        processor: str,
        payload: dict[str, Any],
        learner_id: UUID,
        preview: bool = False,
    ) -> dict[str, Any]:
        """Return what of ``payload`` may leave for ``processor`` and audit it (``preview``:
        filter only, nothing leaves, nothing is audited); raise
        :class:`~learnwire.core.errors.Forbidden` when nothing may."""


def governance_of(collected: Sequence[Any]) -> DeliveryGovernance:
    """The one governance in force; fail closed without it."""
    found = [g for g in collected if isinstance(g, DeliveryGovernance)]
    if not found:
        raise DeliveryRefused(
            "no delivery governance is loaded (the 'policies' plugin provides it): nothing is "
            "sent without the policy engine; check `learnwire plugins list`"
        )
    return found[0]
