"""``LEARNWIRE_PLUGINS__LMS__<FIELD>`` (or ``[plugins.lms]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class LmsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=True, description="The learner's LTI page shows the day's delivered set."
    )
    lrs_url: str | None = Field(
        default=None,
        description="xAPI endpoint (…/xapi) to write 'recommended' statements, and "
        "'delivered' ones for every channel, back to; unset: no write-back.",
    )
    lrs_key: str | None = None
    lrs_secret: SecretStr | None = None
    timeout_seconds: float = Field(default=10, gt=0, le=60)
    max_response_bytes: int = Field(default=64 * 1024, ge=1024)

    @field_validator("lrs_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(
            ("https://", "http://127.0.0.1", "http://localhost")
        ):
            raise ValueError("lrs_url must be https (the LRS credentials travel with it)")
        return value.rstrip("/") if value else value
