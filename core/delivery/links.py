"""Signed links in messages: open an item (the click is recorded), dismiss it, unsubscribe,
answer a micro-survey question with one tap.

A link carries only ids, signed with the deployment's secret and dated, so it cannot be
forged or edited to act for someone else, and an unsubscribe needs no sign-in. The item's
address is looked up when the link is used, never taken from the link: no open redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..errors import ValidationFailed

ACTIONS = {"open": "c", "dismiss": "d", "unsubscribe": "u", "opened": "o", "answer": "a"}


@dataclass(frozen=True)
class LinkTarget:
    action: str
    send_id: int | None = None
    learner_id: UUID | None = None
    content_id: UUID | None = None
    kind: str | None = None
    channel: str | None = None
    answer: str | None = None
    team: str | None = None
    skill: str | None = None


class Links:
    def __init__(self, secret: str, base_url: str, *, max_age_days: int) -> None:
        self.base = base_url.rstrip("/") + "/delivery"
        self.max_age = max_age_days * 86400
        self._signers = {
            action: URLSafeTimedSerializer(secret, salt=f"learnwire.delivery.{action}")
            for action in ACTIONS
        }

    def url(self, action: str, **ids: Any) -> str:
        data = {k: str(v) for k, v in ids.items() if v is not None}
        return f"{self.base}/{ACTIONS[action]}/{self._signers[action].dumps(data)}"

    def read(self, action: str, token: str) -> LinkTarget:
        try:
            data = self._signers[action].loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise ValidationFailed(
                "this link has expired; the newest message has a fresh one", field="token"
            ) from None
        except BadSignature:
            raise ValidationFailed(
                "this link is not one learnwire made (or it was cut short when copied)",
                field="token",
            ) from None
        try:
            return LinkTarget(
                action,
                send_id=int(data["s"]) if "s" in data else None,
                learner_id=UUID(data["l"]) if "l" in data else None,
                content_id=UUID(data["c"]) if "c" in data else None,
                kind=data.get("k"),
                channel=data.get("ch"),
                answer=data.get("a"),
                team=data.get("t"),
                skill=data.get("sk"),
            )
        except (KeyError, ValueError, TypeError):
            raise ValidationFailed("this link is malformed", field="token") from None
