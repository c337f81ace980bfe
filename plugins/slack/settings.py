"""``LEARNWIRE_PLUGINS__SLACK__<FIELD>`` (or ``[plugins.slack]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bot_token: SecretStr | None = Field(
        default=None,
        description="The app's bot token (xoxb-...), with the chat:write scope; unset: no "
        "Slack channel.",
    )
    api_url: str = Field(default="https://slack.com/api", description="Slack's Web API base.")
    timeout_seconds: float = Field(default=10, gt=0, le=60)
    max_response_bytes: int = Field(default=256 * 1024, ge=1024)

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError(
                "bot_token must be a bot token starting with 'xoxb-' (Slack app > OAuth & "
                "Permissions > Bot User OAuth Token), not a user or app-level token"
            )
        return value

    @field_validator("api_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("api_url must be https (the bot token travels in its header)")
        return value.rstrip("/")
