"""The xAPI adapter's own settings: ``LEARNWIRE_PLUGINS__XAPI__<FIELD>`` or ``[plugins.xapi]``
in the TOML file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from learnwire.core.config import Settings


class XapiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_limit: int = Field(
        default=500, ge=1, le=10_000, description="Most statements one GET page returns."
    )
    pull_lrs: str | None = Field(
        default=None,
        description="Statements endpoint of an LRS to pull from on a schedule "
        "(e.g. https://lrs.example/xapi); unset: no scheduled pull.",
    )
    pull_key: SecretStr | None = None
    pull_secret: SecretStr | None = None
    pull_source: str = Field(
        default="lrs", description="Source name pulled statements are recorded under."
    )
    pull_since: str | None = Field(
        default=None, description="Where the first pull starts (ISO 8601); unset: everything."
    )
    pull_every_seconds: float = Field(default=900, gt=0)
    pull_page_size: int = Field(default=500, ge=1, le=10_000)


def xapi_settings(settings: Settings) -> XapiSettings:
    return settings.plugin_settings("xapi", XapiSettings)
