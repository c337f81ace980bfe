"""``LEARNWIRE_PLUGINS__PAGES__<FIELD>``: the organisation's identity provider and how long a
sign-in lasts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

from learnwire.core.config import Settings


class PagesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    oidc_issuer: HttpUrl | None = Field(
        default=None,
        description="The identity provider's issuer URL; its discovery document is read from "
        "<issuer>/.well-known/openid-configuration. Unset: no OpenID Connect sign-in.",
    )
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scopes: str = "openid email profile"
    oidc_groups_claim: str = Field(
        default="groups", description="The ID token claim listing the person's groups."
    )
    oidc_label: str = Field(default="your organisation's account", max_length=100)
    session_hours: float = Field(default=8, gt=0, le=24 * 7)
    differencing_window_hours: float = Field(
        default=24,
        gt=0,
        description="How long the people behind a served aggregate are remembered to refuse "
        "another view that differs from it by fewer than k people.",
    )

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None and bool(self.oidc_client_id)


def pages_settings(settings: Settings) -> PagesSettings:
    return settings.plugin_settings("pages", PagesSettings)
