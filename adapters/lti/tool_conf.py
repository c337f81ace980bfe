"""pylti1p3's tool configuration backed by PostgreSQL instead of a JSON file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.request import Request
from pylti1p3.tool_config import ToolConfAbstract

from . import keys, registrations
from .registrations import PlatformRegistration

Conn = psycopg.Connection[Any]


class ToolRegistration(Registration):
    """A pylti1p3 registration that signs with the tool's active key and names its ``kid``.

    pylti1p3 derives the kid from the public key, which yields none for a bare PEM; platforms
    need it to pick the right key from our JWKS after a rotation.
    """

    def __init__(self, platform: PlatformRegistration, key: keys.ToolKey | None) -> None:
        self.platform = platform
        self._kid = key.kid if key else None
        self.set_issuer(platform.issuer).set_client_id(platform.client_id)
        self.set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
        self.set_key_set_url(platform.keyset_url)
        if platform.auth_audience:
            self.set_auth_audience(platform.auth_audience)
        if key is not None:
            self.set_tool_private_key(key.private_key_pem)
            self.set_tool_public_key(key.public_key_pem)

    def get_kid(self) -> str | None:
        return self._kid

    def get_jwks(self) -> list[Mapping[str, Any]]:
        return [Registration.get_jwk(self.get_tool_public_key())] if self._kid else []


class PostgresToolConf(ToolConfAbstract[Request]):
    """Registrations and deployments read from ``lti_registration`` / ``lti_deployment``.

    Every issuer may have several client ids (pylti1p3's "many clients" mode), so lookups
    always go through the ``*_by_params`` methods.
    """

    def __init__(self, conn: Conn) -> None:
        self._conn = conn
        self._key: keys.ToolKey | None = None
        self._key_loaded = False

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _signing_key(self) -> keys.ToolKey | None:
        if not self._key_loaded:
            self._key, self._key_loaded = keys.active(self._conn), True
        return self._key

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        platform = registrations.find(self._conn, iss, client_id)
        if platform is None:
            return None
        return ToolRegistration(platform, self._signing_key())

    def issuer_known(self, iss: str) -> bool:
        return registrations.issuer_known(self._conn, iss)

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        platform = registrations.find(self._conn, iss, None)
        if platform is None or deployment_id not in platform.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        if not registrations.has_deployment(self._conn, iss, client_id, deployment_id):
            return None
        return Deployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any):
        return keys.published_jwks(self._conn)
