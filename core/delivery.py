"""Contract for delivery channels: how recommendations reach a learner."""

from __future__ import annotations

from abc import ABC, abstractmethod
from uuid import UUID

from .models import Boundary, Recommendation


class DeliveryReceipt(Boundary):
    channel: str
    delivered: bool
    detail: str = ""


class DeliveryChannel(ABC):
    """Sends a learner their recommendations (LTI page, e-mail, chat, xAPI write-back)."""

    name: str

    @abstractmethod
    def deliver(
        self, *, learner_id: UUID, recommendations: list[Recommendation]
    ) -> DeliveryReceipt:
        """Deliver; must not raise for a learner it cannot reach (say so in the receipt)."""
