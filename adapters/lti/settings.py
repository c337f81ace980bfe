"""The LTI plugin's own settings (``LEARNWIRE_PLUGINS__LTI__<FIELD>``) and the tool's URLs."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from ...core.config import Settings
from ...core.errors import ConfigurationError
from . import registrations

PLUGIN_NAME = "lti"


class LtiSettings(BaseModel):
    """Lifetimes, tolerances and the source of the items LTI pages show."""

    model_config = ConfigDict(extra="forbid")

    tool_name: str = Field(default="learnwire", min_length=1, max_length=100)
    login_ttl_seconds: int = Field(
        default=600, ge=30, description="How long a started OIDC login may take to come back."
    )
    launch_ttl_seconds: int = Field(
        default=4 * 3600, ge=300, description="How long a launch's page actions stay usable."
    )
    clock_leeway_seconds: int = Field(
        default=60, ge=0, le=300, description="Tolerated clock difference with platforms."
    )
    max_token_age_seconds: int = Field(
        default=3600, ge=60, description="id_tokens issued longer ago than this are refused."
    )
    keyset_cache_seconds: int = Field(
        default=300, ge=1, description="How long a platform's JWKS is reused before refetching."
    )
    keyset_refetch_seconds: int = Field(
        default=60,
        ge=1,
        description="A token naming a key the cached JWKS lacks refetches it at most this "
        "often per issuer.",
    )
    keyset_failure_seconds: int = Field(
        default=30, ge=1, description="How long a failed JWKS fetch is remembered (not retried)."
    )
    keyset_deadline_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Deadline for the whole JWKS fetch."
    )
    keyset_max_bytes: int = Field(
        default=1 << 20, ge=1024, description="The largest JWKS document the tool reads."
    )
    http_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    allow_http: bool = Field(
        default=False,
        description="Accept plain http:// for the public URL and platform endpoints outside "
        "loopback (tokens and keys then travel in clear; for closed test networks only).",
    )
    offer_source: str = Field(
        default="learnwire.adapters.lti.recommended:factory",
        description="What LTI pages show: the ranker's recommendations (default), "
        "'catalogue', or 'package.module:factory' returning an OfferSource.",
    )


class ToolUrls(BaseModel):
    """The URLs an LMS admin registers; ``registration_url`` carries the registration key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    login_url: str
    launch_url: str
    jwks_url: str
    deep_linking_url: str
    registration_url: str

    @property
    def domain(self) -> str:
        return urlsplit(self.launch_url).netloc

    @property
    def origin(self) -> str:
        parts = urlsplit(self.launch_url)
        return f"{parts.scheme}://{parts.netloc}"


def check_public_url(url: str, *, allow_http: bool) -> None:
    """Refuse a public URL an LMS could not use safely: no scheme or host (the LMS would
    treat it as a relative path), or plain http:// outside loopback unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"the public URL '{url}' needs a scheme and a host, e.g. 'https://{url}'; set "
            "LEARNWIRE_PUBLIC_URL to the address the LMS and browsers use"
        )
    if parts.scheme == "http" and not allow_http and not registrations.is_loopback(url):
        raise ConfigurationError(
            f"the public URL '{url}' is plain http outside loopback: LMSs refuse it or send "
            "launches in clear. Serve the tool behind https and set LEARNWIRE_PUBLIC_URL to "
            "it, or pass --allow-http (LEARNWIRE_PLUGINS__LTI__ALLOW_HTTP=true) on a closed "
            "test network"
        )


def lti_settings(settings: Settings) -> LtiSettings:
    return settings.plugin_settings(PLUGIN_NAME, LtiSettings)


def registration_key(settings: Settings) -> str:
    """The key that makes the dynamic registration URL unguessable.

    Derived from the deployment's secret key, so every web node agrees without sharing a file
    and anyone who merely finds the tool cannot register a platform of their own.
    """
    secret = settings.flask_secret().encode()
    return hmac.new(secret, b"learnwire.lti.dynamic-registration", hashlib.sha256).hexdigest()[:32]


def tool_urls(settings: Settings) -> ToolUrls:
    base = settings.public_url.rstrip("/") + "/lti"
    return ToolUrls(
        login_url=f"{base}/login",
        launch_url=f"{base}/launch",
        jwks_url=f"{base}/jwks",
        deep_linking_url=f"{base}/deep-linking",
        registration_url=f"{base}/register?key={registration_key(settings)}",
    )
