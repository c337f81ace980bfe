"""LTI Dynamic Registration 1.0: the admin pastes one URL into the LMS, the tool does the rest.

The platform opens ``registration_url`` with ``openid_configuration`` (its OpenID
configuration URL) and usually a ``registration_token``. The tool reads the configuration,
checks it, posts its own client registration to the platform's registration endpoint and
stores what comes back (client id, deployment id) as a registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import psycopg
import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import keys, registrations
from .errors import RegistrationFailed
from .registrations import PlatformRegistration
from .services import describe_answer
from .settings import ToolUrls

Conn = psycopg.Connection[Any]

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)


class PlatformConfiguration(BaseModel):
    """The parts of a platform's OpenID configuration the tool relies on.

    Platforms publish many more fields (and add new ones), so unknown fields are ignored
    here rather than refused: this is someone else's document, not our API.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None = None
    token_endpoint_auth_methods_supported: list[str] = Field(default_factory=list)
    id_token_signing_alg_values_supported: list[str] = Field(default_factory=list)
    scopes_supported: list[str] = Field(default_factory=list)
    platform: dict[str, Any] = Field(default_factory=dict, alias=PLATFORM_CONFIGURATION)


def fetch_configuration(
    session: requests.Session, url: str, token: str | None
) -> PlatformConfiguration:
    """GET and check the platform's OpenID configuration."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = session.get(url, headers=headers)
        response.raise_for_status()
        config = PlatformConfiguration.model_validate(response.json())
    except requests.RequestException as exc:
        raise RegistrationFailed(
            f"the LMS's openid configuration {url} is unreachable: {exc}"
        ) from exc
    except (ValueError, ValidationError) as exc:
        raise RegistrationFailed(
            f"{url} is not an LTI platform openid configuration: {exc}"
        ) from exc
    # A configuration served from one host must not speak for another host's issuer.
    issuer, served = urlsplit(config.issuer), urlsplit(url)
    if (issuer.hostname, issuer.port) != (served.hostname, served.port):
        raise RegistrationFailed(
            f"the configuration at {url} claims issuer '{config.issuer}' on another host"
        )
    methods = config.token_endpoint_auth_methods_supported
    if methods and "private_key_jwt" not in methods:
        raise RegistrationFailed("the LMS does not accept private_key_jwt service tokens")
    algs = config.id_token_signing_alg_values_supported
    if algs and "RS256" not in algs:
        raise RegistrationFailed("the LMS does not sign id_tokens with RS256")
    return config


def client_registration(config: PlatformConfiguration, urls: ToolUrls, name: str) -> dict[str, Any]:
    """The OpenID client registration the tool asks the platform to create."""
    scopes = [s for s in SCOPES if not config.scopes_supported or s in config.scopes_supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login_url,
        "redirect_uris": [urls.launch_url, urls.deep_linking_url],
        "client_name": name,
        "jwks_uri": urls.jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "target_link_uri": urls.launch_url,
            "description": "Personal learning recommendations with a reason for each.",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {
                    "type": "LtiResourceLinkRequest",
                    "target_link_uri": urls.launch_url,
                    "label": name,
                    "placements": ["course_navigation"],
                },
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": urls.deep_linking_url,
                    "label": f"{name}: add learning content",
                    "placements": ["link_selection", "assignment_selection"],
                },
            ],
        },
    }


@dataclass(frozen=True)
class DynamicRegistration:
    registration: PlatformRegistration
    created: bool
    #: Client ids of earlier dynamic registrations with this platform, now deactivated.
    replaced: list[str]


def _require_https(config: PlatformConfiguration, openid_configuration: str, allow: bool) -> None:
    for what, url in (
        ("the openid configuration URL", openid_configuration),
        ("the LMS's authorization endpoint", config.authorization_endpoint),
        ("the LMS's token endpoint", config.token_endpoint),
        ("the LMS's keyset URL", config.jwks_uri),
        ("the LMS's registration endpoint", config.registration_endpoint),
    ):
        registrations.require_https(
            url, what, allow_http=allow, hint="LEARNWIRE_PLUGINS__LTI__ALLOW_HTTP=true"
        )


def negotiate(
    session: requests.Session,
    *,
    openid_configuration: str,
    registration_token: str | None,
    urls: ToolUrls,
    tool_name: str,
    allow_http: bool = False,
) -> PlatformRegistration:
    """The exchange with the platform: read its configuration, register with it, and return
    what it granted. No database work here, so no connection waits on the platform."""
    registrations.require_https(
        openid_configuration,
        "the openid configuration URL",
        allow_http=allow_http,
        hint="LEARNWIRE_PLUGINS__LTI__ALLOW_HTTP=true",
    )
    config = fetch_configuration(session, openid_configuration, registration_token)
    _require_https(config, openid_configuration, allow_http)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    body = client_registration(config, urls, tool_name)
    try:
        response = session.post(config.registration_endpoint, json=body, headers=headers)
    except requests.RequestException as exc:
        raise RegistrationFailed(f"the LMS's registration endpoint is unreachable: {exc}") from exc
    if response.status_code not in (200, 201):
        raise RegistrationFailed(f"the LMS refused the registration: {describe_answer(response)}")
    try:
        answer = response.json()
        client_id = str(answer["client_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistrationFailed("the LMS's registration answer has no client_id") from exc
    deployment = (answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
    registration = PlatformRegistration(
        issuer=config.issuer,
        client_id=client_id,
        auth_login_url=config.authorization_endpoint,
        auth_token_url=config.token_endpoint,
        keyset_url=config.jwks_uri,
        auth_audience=config.authorization_server,
        deployment_ids=[str(deployment)] if deployment else [],
        method="dynamic",
        platform_name=" ".join(
            str(config.platform[k])
            for k in ("product_family_code", "version")
            if config.platform.get(k)
        )
        or None,
        product_family_code=config.platform.get("product_family_code") or None,
    )
    return registration


def store(conn: Conn, registration: PlatformRegistration) -> DynamicRegistration:
    """Store what :func:`negotiate` obtained.

    Each run makes the platform issue a new client id; the earlier dynamic registrations
    of the same platform are deactivated (listed in ``replaced``), so only the newest one
    can launch.
    """
    keys.ensure_active(conn)
    created = registrations.save(conn, registration)
    replaced = registrations.deactivate_other_dynamic(
        conn, registration.issuer, registration.client_id
    )
    return DynamicRegistration(registration, created, replaced)
