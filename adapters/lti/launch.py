"""OIDC login initiation and launch validation on top of pylti1p3, framework-free.

``ToolLogin`` answers the platform's third-party initiated login: it checks the issuer,
client id, deployment and target, stores state and nonce server-side and builds the
authentication request. ``ToolLaunch`` validates the id_token the platform posts back as a
chain of small steps; pylti1p3 and PyJWT do the cryptography, each step turns a failure into
a :class:`LaunchRejected` whose code and message say exactly why.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin

from . import checks
from .errors import LaunchRejected
from .login_state import LoginState
from .services import ToolServiceConnector
from .settings import LtiSettings, ToolUrls
from .storage import ServerSideSessionService
from .tool_conf import PostgresToolConf


class ToolLogin(OIDCLogin):
    """Step 1 of a launch. Subclasses only supply the framework's redirect object."""

    def __init__(
        self,
        request: Any,
        tool_config: PostgresToolConf,
        session_service: Any,
        cookie_service: Any = None,
        *,
        urls: ToolUrls,
    ) -> None:
        super().__init__(request, tool_config, session_service, cookie_service)
        self._urls = urls

    def validate_oidc_login(self) -> Any:
        iss = self._get_request_param("iss")
        client_id = self._get_request_param("client_id") or None
        try:
            registration = super().validate_oidc_login()
        except OIDCException as exc:
            if not iss:
                raise LaunchRejected(
                    "missing_param", "The login request has no 'iss'.", status=400
                ) from exc
            if not self._get_request_param("login_hint"):
                raise LaunchRejected(
                    "missing_param", "The login request has no 'login_hint'.", status=400
                ) from exc
            if not client_id and self._tool_config.issuer_known(iss):
                raise LaunchRejected(
                    "ambiguous_client",
                    f"Issuer '{iss}' has several registrations and the login request names no "
                    "client_id; the LMS must send one.",
                    status=400,
                ) from exc
            raise LaunchRejected(
                "unknown_issuer",
                f"No registration for issuer '{iss}'"
                + (f" and client id '{client_id}'" if client_id else "")
                + ". Register the platform with `learnwire lti register` or dynamic registration.",
                status=403,
            ) from exc
        target = self._get_request_param("target_link_uri") or self._urls.launch_url
        if urlsplit(target).netloc != self._urls.domain:
            raise LaunchRejected(
                "foreign_target",
                f"target_link_uri '{target}' is not on this tool ({self._urls.domain}).",
                status=400,
            )
        deployment_id = self._get_request_param("lti_deployment_id")
        if deployment_id and not self._tool_config.find_deployment_by_params(
            iss, deployment_id, registration.get_client_id()
        ):
            raise _unknown_deployment(iss, registration.get_client_id(), deployment_id)
        self._state_params = {
            "issuer": iss,
            "client_id": registration.get_client_id(),
            "storage_target": self._get_request_param("lti_storage_target") or None,
            "target_link_uri": target,
        }
        return registration

    def start(self) -> str:
        """Validate the login request, store state and nonce; the platform's auth URL."""
        return self._prepare_redirect_url(self._urls.launch_url)

    @property
    def started(self) -> LoginState:
        assert self._session_service.started is not None, "call start() first"
        return self._session_service.started


def _unknown_deployment(iss: str, client_id: str | None, deployment_id: str) -> LaunchRejected:
    return LaunchRejected(
        "unknown_deployment",
        f"Deployment '{deployment_id}' of issuer '{iss}' (client id '{client_id}') is not "
        "registered. An admin can add it with `learnwire lti deployment add --issuer "
        f"{iss} --client-id {client_id} --deployment-id {deployment_id}`.",
        status=403,
    )


class ToolLaunch(MessageLaunch):
    """Step 3 of a launch: validates the posted id_token, then offers pylti1p3's services.

    Call :meth:`configure` before :meth:`validate` to apply the tool's tolerances.
    """

    _session_service: ServerSideSessionService
    _tool_config: PostgresToolConf
    login: LoginState | None = None
    binding: str = "server"
    _settings: LtiSettings = LtiSettings()

    def configure(self, settings: LtiSettings) -> ToolLaunch:
        self._settings = settings
        return self

    # -- the chain ---------------------------------------------------------------------------

    def validate(self) -> ToolLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            self.validate_state()
            self.validate_jwt_format()
            checks.check_header(self._jwt["header"])
            self.validate_nonce()
            self.validate_registration()
            self.validate_jwt_signature()
            body = self._jwt["body"]
            for check in checks.claim_checks(
                self._settings.max_token_age_seconds, self._settings.clock_leeway_seconds
            ):
                if check.can_validate(body):
                    check.validate(body)
            self.validate_deployment()
            self.validate_message()
            self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    def validate_state(self) -> ToolLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LaunchRejected(
                "missing_state",
                "The launch has no 'state': it did not come back from a login this tool started.",
                status=400,
            )
        if not self._get_request_param("id_token"):
            raise LaunchRejected("missing_id_token", "The launch has no 'id_token'.", status=400)
        self.login = self._session_service.login_for_state(state)
        cookie = self._cookie_service.get_cookie(state)
        if cookie is not None and cookie != state:
            raise LaunchRejected(
                "state_mismatch",
                "The state cookie of this browser does not match the launch's state.",
                status=403,
            )
        # Where cookies work they bind the launch to this browser; where the platform offers
        # storage the page checks it; otherwise the single-use server-side state stands alone.
        if cookie == state:
            self.binding = "cookie"
        elif self.login.storage_target:
            self.binding = "platform_storage"
        else:
            self.binding = "server"
        return self

    def validate_jwt_format(self) -> ToolLaunch:
        try:
            super().validate_jwt_format()
        except LtiException as exc:
            raise LaunchRejected(
                "malformed_token", f"The id_token is not a well-formed JWT ({exc}).", status=400
            ) from exc
        if not isinstance(self._jwt.get("body"), dict) or not isinstance(
            self._jwt.get("header"), dict
        ):
            raise LaunchRejected("malformed_token", "The id_token is not a JSON JWT.", status=400)
        return self

    def validate_nonce(self) -> ToolLaunch:
        nonce = self._jwt["body"].get("nonce")
        if not nonce:
            raise LaunchRejected(
                "missing_claim", "The id_token lacks the required claim 'nonce'.", status=400
            )
        assert self.login is not None
        self._session_service.redeem(self.login, str(nonce))
        return self

    def get_client_id(self) -> str:
        return checks.client_id_of(self._get_jwt_body())

    def validate_registration(self) -> ToolLaunch:
        body = self._get_jwt_body()
        iss = body.get("iss")
        if not iss:
            raise LaunchRejected(
                "missing_claim", "The id_token lacks the required claim 'iss'.", status=400
            )
        client_id = self.get_client_id()
        try:
            super().validate_registration()
        except LtiException as exc:
            if not self._tool_config.issuer_known(iss):
                raise LaunchRejected(
                    "unknown_issuer",
                    f"Issuer (iss) '{iss}' is not registered with this tool.",
                    status=403,
                ) from exc
            raise LaunchRejected(
                "unknown_client",
                f"The id_token's audience '{client_id}' is not a client id registered for "
                f"issuer '{iss}' (wrong 'aud').",
                status=403,
            ) from exc
        if self.login is not None and (iss, client_id) != (self.login.issuer, self.login.client_id):
            raise LaunchRejected(
                "issuer_mismatch",
                f"The id_token comes from '{iss}' (client '{client_id}') but the login was "
                f"started for '{self.login.issuer}' (client '{self.login.client_id}').",
                status=403,
            )
        return self

    def get_public_key(self) -> tuple[str, str]:
        assert self._registration is not None
        url = self._registration.get_key_set_url() or ""
        kid = self._jwt["header"]["kid"]
        keyset = self._platform_keyset(url, refresh=False)
        if not _has_kid(keyset, kid):
            # The platform may have rotated its keys since we cached its key set.
            keyset = self._platform_keyset(url, refresh=True)
        if not _has_kid(keyset, kid):
            raise LaunchRejected(
                "unknown_kid",
                f"The platform's key set ({url}) has no key with kid '{kid}', so the id_token "
                "cannot be verified.",
            )
        self._registration.set_key_set({"keys": keyset["keys"]})
        try:
            return super().get_public_key()
        except LtiException as exc:
            raise LaunchRejected(
                "unknown_kid",
                f"The platform key '{kid}' cannot verify alg '{self._jwt['header']['alg']}'.",
            ) from exc

    def _platform_keyset(self, url: str, *, refresh: bool) -> dict[str, Any]:
        storage = self._session_service.data_storage
        cache_key = "keyset-" + hashlib.sha256(url.encode()).hexdigest()
        if not refresh:
            cached = storage.get_value(cache_key)
            if cached:
                return cached
        try:
            response = self._requests_session.get(url, timeout=self._settings.http_timeout_seconds)
            response.raise_for_status()
            keyset = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise LaunchRejected(
                "platform_keys_unavailable",
                f"The platform's key set at {url} could not be fetched ({exc}).",
                status=502,
            ) from exc
        if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
            raise LaunchRejected(
                "platform_keys_unavailable", f"{url} did not return a JWKS document.", status=502
            )
        if self._settings.keyset_cache_seconds:
            storage.set_value(cache_key, keyset, self._settings.keyset_cache_seconds)
        return keyset

    def validate_jwt_signature(self) -> ToolLaunch:
        public_key, alg = self.get_public_key()
        kid = self._jwt["header"]["kid"]
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[alg],
                options={"verify_aud": False, "require": ["exp", "iat"]},
                leeway=self._settings.clock_leeway_seconds,
            )
        except jwt.ExpiredSignatureError as exc:
            raise LaunchRejected(
                "token_expired", "The id_token has expired ('exp' is in the past)."
            ) from exc
        except jwt.ImmatureSignatureError as exc:
            raise LaunchRejected(
                "token_not_yet_valid",
                f"The id_token is not valid yet ({exc}); its 'iat' is in the future. Check the "
                "LMS server's clock.",
            ) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise LaunchRejected(
                "missing_claim", f"The id_token lacks the required claim '{exc.claim}'.", status=400
            ) from exc
        except jwt.InvalidSignatureError as exc:
            raise LaunchRejected(
                "bad_signature",
                f"The id_token's signature does not verify with the platform key '{kid}'.",
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchRejected("invalid_token", f"The id_token is invalid: {exc}.") from exc
        return self

    def validate_deployment(self) -> ToolLaunch:
        try:
            super().validate_deployment()
        except LtiException as exc:
            body = self._get_jwt_body()
            raise _unknown_deployment(
                body["iss"], self.get_client_id(), str(body.get(checks.LTI + "deployment_id"))
            ) from exc
        return self

    def validate_message(self) -> ToolLaunch:
        try:
            super().validate_message()
        except LtiException as exc:
            raise LaunchRejected(
                "invalid_message", f"The launch message is invalid: {exc}.", status=400
            ) from exc
        return self

    # -- after validation --------------------------------------------------------------------

    def claims(self) -> dict[str, Any]:
        return dict(self._get_jwt_body())

    def get_service_connector(self) -> ToolServiceConnector:
        assert self._registration is not None, "Registration not yet set"
        return ToolServiceConnector(self._registration, self._requests_session)


def _has_kid(keyset: dict[str, Any], kid: str) -> bool:
    return any(isinstance(k, dict) and k.get("kid") == kid for k in keyset.get("keys", []))
