"""The LMS: the learner's LTI page shows the same "today" set the message carries (it reads
the outbox), and, with an LRS configured, each item goes back as an xAPI ``recommended``
statement about the pseudonymous learner, so the LMS's own reports see what was offered; and
each message delivered through any channel as one ``delivered`` statement per item."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

from learnwire.core.delivery import ChannelError, DeliveryChannel, DeliveryReceipt, Message
from learnwire.core.delivery.http import post_json

from .settings import LmsSettings

RECOMMENDED = "https://learnwire.dev/xapi/verbs/recommended"
DELIVERED = "https://learnwire.dev/xapi/verbs/delivered"
CHANNEL_EXTENSION = "https://learnwire.dev/xapi/extensions/channel"
NAMESPACE = uuid.UUID("b3f5e0c4-6a1d-4f0e-9c8b-2d7e4a6f1b93")


class LmsChannel(DeliveryChannel):
    name = "lms"
    needs_address = False

    def __init__(self, settings: LmsSettings, *, home_page: str) -> None:
        self.settings = settings
        self.home_page = home_page
        # The page itself stays inside learnwire; only a write-back leaves, as "lrs".
        self.processor = "lrs" if settings.lrs_url else None
        self.write_back_processor = self.processor

    def statements(
        self, message: Message, *, verb: str = RECOMMENDED, at: datetime | None = None
    ) -> list[dict]:
        """One statement per item with an activity. Ids are derived from the send, the verb
        and the item, so writing the same message twice stores it once (the LRS answers
        409). ``recommended`` keeps its original id scheme, so sends written before
        ``delivered`` existed are still recognised."""
        now = (at or datetime.now(UTC)).isoformat()
        name = verb.rsplit("/", 1)[-1]
        key = "" if verb == RECOMMENDED else f"{name}|"
        extensions = {"https://learnwire.dev/xapi/extensions/kind": message.kind}
        if verb != RECOMMENDED:
            extensions[CHANNEL_EXTENSION] = message.channel
        actor = {
            "objectType": "Agent",
            "account": {"homePage": self.home_page, "name": str(message.learner_id)},
        }
        return [
            {
                "id": str(uuid.uuid5(NAMESPACE, f"{key}{message.send_id}|{item.activity}")),
                "actor": actor,
                "verb": {"id": verb, "display": {"en-US": name}},
                "object": {
                    "objectType": "Activity",
                    "id": item.activity,
                    "definition": {"name": {"en-US": item.title}} if item.title else {},
                },
                "context": {"platform": "learnwire", "extensions": extensions},
                "timestamp": now,
            }
            for item in message.items
            if item.activity
        ]

    def send(self, message: Message) -> DeliveryReceipt:
        if not self.settings.lrs_url:
            return DeliveryReceipt(channel=self.name, delivered=True, detail="shown on the page")
        statements = self.statements(message)
        if not statements:
            return DeliveryReceipt(channel=self.name, delivered=True, detail="nothing to write")
        detail = self._write(statements)
        return DeliveryReceipt(channel=self.name, delivered=True, detail=detail)

    def write_back_delivered(self, message: Message, *, at: datetime) -> None:
        if not self.settings.lrs_url:
            return
        statements = self.statements(message, verb=DELIVERED, at=at)
        if statements:
            self._write(statements)

    def _write(self, statements: list[dict]) -> str:
        """POST to the LRS through the bounded helper (deadline, size cap)."""
        s = self.settings
        secret = s.lrs_secret.get_secret_value() if s.lrs_secret else ""
        auth = base64.b64encode(f"{s.lrs_key or ''}:{secret}".encode()).decode()
        reply = post_json(
            f"{s.lrs_url}/statements",
            statements,  # type: ignore[arg-type]
            headers={"Authorization": f"Basic {auth}", "X-Experience-API-Version": "1.0.3"},
            timeout=s.timeout_seconds,
            max_bytes=s.max_response_bytes,
        )
        if reply.status in (200, 204):
            return "written to the LRS"
        if reply.status == 409:  # the same statement ids are already there: written before
            return "already in the LRS"
        if reply.status in (401, 403):
            raise ChannelError(
                "the LRS refused the credentials (LEARNWIRE_PLUGINS__LMS__LRS_KEY / __LRS_SECRET)",
                permanent=True,
            )
        raise ChannelError(
            f"the LRS answered HTTP {reply.status}",
            permanent=400 <= reply.status < 500 and reply.status != 429,
        )
