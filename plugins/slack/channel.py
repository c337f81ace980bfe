"""Slack: ``chat.postMessage`` with the bot token to the person's user id (a direct message
from the app), the message as Block Kit with a plain-text fallback."""

from __future__ import annotations

from typing import Any

from learnwire.core.delivery import ChannelError, DeliveryChannel, DeliveryReceipt, Message
from learnwire.core.delivery.http import post_json

from .settings import SlackSettings

#: Slack's answers that retrying cannot fix, with what to do about each.
PERMANENT = {
    "invalid_auth": "Slack refused the bot token; check LEARNWIRE_PLUGINS__SLACK__BOT_TOKEN",
    "not_authed": "Slack got no bot token; set LEARNWIRE_PLUGINS__SLACK__BOT_TOKEN",
    "token_revoked": "the Slack bot token was revoked; install the app again",
    "account_inactive": "the Slack bot token belongs to a deactivated app or user",
    "missing_scope": "the Slack app lacks the chat:write scope",
    "channel_not_found": "Slack does not know the person's user id; correct their contact",
    "user_not_found": "Slack does not know the person's user id; correct their contact",
    "is_archived": "the person's Slack conversation is archived",
    "not_in_channel": "the Slack app is not in that conversation",
    "invalid_blocks": "Slack refused the message's blocks",
}

TRANSIENT = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks(message: Message) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _escape(message.intro)}}
    ]
    for item in message.items:
        minutes = f" · {round(item.duration_minutes)} min" if item.duration_minutes else ""
        title = f"<{item.url}|{_escape(item.title)}>" if item.url else _escape(item.title)
        block: dict[str, Any] = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{title}*{minutes}\n{_escape(item.reason)}"},
        }
        if item.dismiss_url:
            block["accessory"] = {
                "type": "button",
                "text": {"type": "plain_text", "text": "Not for me"},
                "url": item.dismiss_url,
                "action_id": f"dismiss-{len(out)}",
            }
        out.append(block)
    for n, survey in enumerate(message.surveys):
        # A micro-survey: the question, then one link button per answer. Link buttons open
        # learnwire's confirm page (a POST records), so no interactivity endpoint is needed.
        text = f"*{_escape(survey.question)}* {_escape(survey.about)}"
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        buttons = [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": answer.label[:75]},
                "url": answer.url,
                "action_id": f"survey-{n}-{i}",
            }
            for i, answer in enumerate(survey.answers)
            if answer.url
        ]
        if buttons:
            out.append({"type": "actions", "elements": buttons})
    notes = []
    if message.timing:
        notes.append(_escape(message.timing[:1].upper() + message.timing[1:]) + ".")
    if message.unsubscribe_url:
        notes.append(f"<{message.unsubscribe_url}|Unsubscribe>")
    if notes:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " ".join(notes)}]})
    return out


class SlackChannel(DeliveryChannel):
    name = "slack"
    processor = "slack"
    needs_address = True

    def __init__(self, settings: SlackSettings) -> None:
        if settings.bot_token is None:
            raise ValueError("SlackChannel needs a bot token")
        self.settings = settings

    def send(self, message: Message) -> DeliveryReceipt:
        s = self.settings
        if not message.address.startswith(("U", "W")):
            raise ChannelError(
                "the person's Slack contact must be a user id (U... or W...), not a name",
                permanent=True,
            )
        body = {
            "channel": message.address,
            "text": message.subject or message.intro,
            "blocks": blocks(message),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        token = s.bot_token.get_secret_value() if s.bot_token else ""
        reply = post_json(
            f"{s.api_url}/chat.postMessage",
            body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=s.timeout_seconds,
            max_bytes=s.max_response_bytes,
        )
        if reply.status == 429 or reply.status >= 500:
            raise ChannelError(f"Slack answered HTTP {reply.status}")
        data = reply.json()
        if not isinstance(data, dict):
            raise ChannelError(f"Slack answered HTTP {reply.status} without JSON")
        if data.get("ok") is True:
            ts = str(data.get("ts", ""))
            return DeliveryReceipt(channel=self.name, delivered=True, provider_id=ts)
        error = str(data.get("error", "unknown_error"))[:80]
        if error in PERMANENT:
            raise ChannelError(f"{PERMANENT[error]} ({error})", permanent=True)
        raise ChannelError(f"Slack refused the message ({error})", permanent=error not in TRANSIENT)
