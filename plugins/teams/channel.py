"""Microsoft Teams through a Workflows (Power Automate) webhook: the message as an Adaptive
Card in the envelope Workflows expects (``type: message`` with one attachment), and the
person's Teams address as ``recipient`` for the flow's "Post card in a chat" step."""

from __future__ import annotations

from typing import Any

from learnwire.core.delivery import ChannelError, DeliveryChannel, DeliveryReceipt, Message
from learnwire.core.delivery.http import post_json

from .settings import TeamsSettings

CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def adaptive_card(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.intro, "wrap": True, "weight": "Bolder"}
    ]
    for item in message.items:
        minutes = f" · {round(item.duration_minutes)} min" if item.duration_minutes else ""
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    {"type": "TextBlock", "text": f"**{item.title}**{minutes}", "wrap": True},
                    {"type": "TextBlock", "text": item.reason, "wrap": True, "isSubtle": True},
                    {
                        "type": "ActionSet",
                        "actions": [
                            a
                            for a in (
                                {"type": "Action.OpenUrl", "title": "Open", "url": item.url},
                                {
                                    "type": "Action.OpenUrl",
                                    "title": "Not for me",
                                    "url": item.dismiss_url,
                                },
                            )
                            if a["url"]
                        ],
                    },
                ],
            }
        )
    for survey in message.surveys:
        # A micro-survey: the question, then one OpenUrl action per answer (learnwire's
        # confirm page records it with a POST; no bot or Action.Submit handler needed).
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    {
                        "type": "TextBlock",
                        "text": f"**{survey.question}** {survey.about}",
                        "wrap": True,
                    },
                    {
                        "type": "ActionSet",
                        "actions": [
                            {"type": "Action.OpenUrl", "title": a.label, "url": a.url}
                            for a in survey.answers
                            if a.url
                        ],
                    },
                ],
            }
        )
    foot = []
    if message.timing:
        foot.append(message.timing[:1].upper() + message.timing[1:] + ".")
    if message.unsubscribe_url:
        foot.append(f"[Unsubscribe]({message.unsubscribe_url})")
    if foot:
        body.append(
            {
                "type": "TextBlock",
                "text": " ".join(foot),
                "wrap": True,
                "size": "Small",
                "isSubtle": True,
            }
        )
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }


class TeamsChannel(DeliveryChannel):
    name = "teams"
    processor = "teams"
    needs_address = True

    def __init__(self, settings: TeamsSettings) -> None:
        if settings.webhook_url is None:
            raise ValueError("TeamsChannel needs a webhook URL")
        self.settings = settings

    def send(self, message: Message) -> DeliveryReceipt:
        s = self.settings
        if "@" not in message.address:
            raise ChannelError(
                "the person's Teams contact must be their sign-in name (UPN, name@domain)",
                permanent=True,
            )
        body = {
            "type": "message",
            "summary": message.subject or message.intro,
            "recipient": message.address,
            "attachments": [
                {"contentType": CARD_TYPE, "contentUrl": None, "content": adaptive_card(message)}
            ],
        }
        url = s.webhook_url.get_secret_value() if s.webhook_url else ""
        reply = post_json(url, body, timeout=s.timeout_seconds, max_bytes=s.max_response_bytes)
        if reply.status in (200, 201, 202, 204):
            return DeliveryReceipt(channel=self.name, delivered=True)
        if reply.status in (401, 403, 404):
            raise ChannelError(
                f"the Teams workflow refused the webhook URL (HTTP {reply.status}); check "
                "LEARNWIRE_PLUGINS__TEAMS__WEBHOOK_URL and that the flow is on",
                permanent=True,
            )
        if 400 <= reply.status < 500 and reply.status != 429:
            raise ChannelError(
                f"the Teams workflow refused the card (HTTP {reply.status})", permanent=True
            )
        raise ChannelError(f"the Teams workflow answered HTTP {reply.status}")
