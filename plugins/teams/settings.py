"""``LEARNWIRE_PLUGINS__TEAMS__<FIELD>`` (or ``[plugins.teams]``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class TeamsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: SecretStr | None = Field(
        default=None,
        description="The HTTP trigger URL of the organisation's Workflows (Power Automate) "
        "flow 'When a Teams webhook request is received'; its signature is a secret. Unset: "
        "no Teams channel.",
    )
    timeout_seconds: float = Field(default=10, gt=0, le=60)
    max_response_bytes: int = Field(default=64 * 1024, ge=1024)

    @field_validator("webhook_url")
    @classmethod
    def _workflow(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        parts = urlsplit(value.get_secret_value())
        local = parts.hostname in ("127.0.0.1", "localhost")
        if parts.scheme != "https" and not local:
            raise ValueError("webhook_url must be https")
        if (parts.hostname or "").endswith("webhook.office.com"):
            raise ValueError(
                "webhook_url is a retired Office 365 connector URL; create a Workflows flow "
                "('When a Teams webhook request is received') and use its URL"
            )
        return value
