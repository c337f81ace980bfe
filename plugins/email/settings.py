"""``LEARNWIRE_PLUGINS__EMAIL__<FIELD>`` (or ``[plugins.email]``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class EmailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str | None = Field(default=None, description="SMTP server; unset: no e-mail channel.")
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (submission, port 587), tls (implicit, port 465), or none "
        "(only for a relay on the same host).",
    )
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(default="learnwire@localhost", description="From address.")
    sender_name: str = "Learning"
    ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA that signed the server's certificate, for a server "
        "with a private CA; unset: the system's trusted CAs.",
    )
    timeout_seconds: float = Field(default=20, gt=0, le=120)
    unsubscribe_mailto: str | None = Field(
        default=None,
        description="Optional mailbox for List-Unsubscribe mailto (besides the one-click URL).",
    )

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"sender is not an e-mail address: {exc}") from None
