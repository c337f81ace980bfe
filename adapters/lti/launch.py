"""OIDC login initiation and launch validation on top of pylti1p3, framework-free.

``ToolLogin`` answers the platform's third-party initiated login: it checks the issuer,
client id, deployment and target, stores state and nonce server-side and builds the
authentication request. ``ToolLaunch`` validates the id_token the platform posts back as a
chain of small steps; pylti1p3 and PyJWT do the cryptography, each step turns a failure into
a :class:`LaunchRejected` whose code and message say exactly why.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

import jwt
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin

from . import checks
from .errors import LaunchRejected
from .login_state import LoginState
from .platform_keys import KeyLookup, has_kid
from .registrations import issuer_key
from .services import ToolServiceConnector
from .settings import LtiSettings, ToolUrls
from .storage import ServerSideSessionService
from .tool_conf import PostgresToolConf, ToolRegistration


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
                f"target_link_uri '{target}' is not on this tool ({self._urls.domain}). The "
                f"tool's public URL is {self._urls.origin}; if the LMS reaches the tool at "
                "another address, set LEARNWIRE_PUBLIC_URL to it and register that.",
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
    platform_keys: KeyLookup | None = None
    _settings: LtiSettings = LtiSettings()

    def configure(self, settings: LtiSettings, platform_keys: KeyLookup | None) -> ToolLaunch:
        """Apply the tool's tolerances; ``platform_keys`` is the platform key set looked up
        for this token before any database connection was taken."""
        self._settings = settings
        self.platform_keys = platform_keys
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
            checks.check_clean_text(self._jwt["body"])
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
        started = self.login
        if started is not None and (issuer_key(iss), client_id) != (
            issuer_key(started.issuer),
            started.client_id,
        ):
            raise LaunchRejected(
                "issuer_mismatch",
                f"The id_token comes from '{iss}' (client '{client_id}') but the login was "
                f"started for '{started.issuer}' (client '{started.client_id}').",
                status=403,
            )
        return self

    def get_public_key(self) -> tuple[str, str]:
        assert self._registration is not None
        url = self._registration.get_key_set_url() or ""
        kid = self._jwt["header"]["kid"]
        found = self.platform_keys
        if found is None or found.url != url:
            # The keys are looked up before the database connection is taken (see
            # LtiTool.platform_keys_for); fetching here would hold it for the whole fetch.
            raise LaunchRejected(
                "platform_keys_unavailable",
                f"The platform's key set ({url}) was not looked up for this launch; try again.",
                status=502,
            )
        if found.keys is None or not has_kid(found.keys, kid):
            if found.error:
                raise LaunchRejected(
                    "platform_keys_unavailable",
                    f"The platform's key set at {url} could not be fetched: {found.error}.",
                    status=502,
                )
            raise LaunchRejected(
                "unknown_kid",
                f"The platform's key set ({url}) has no key with kid '{kid}', so the id_token "
                "cannot be verified.",
            )
        self._registration.set_key_set(cast(Any, found.keys))
        try:
            return super().get_public_key()
        except LtiException as exc:
            raise LaunchRejected(
                "unknown_kid",
                f"The platform key '{kid}' cannot verify alg '{self._jwt['header']['alg']}'.",
            ) from exc

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

    def save_launch_data(self) -> ToolLaunch:
        # Kept with the issuer spelt as registered, like every other record of the launch:
        # restoring it finds the registration, and erasure matches it to the person.
        if isinstance(self._registration, ToolRegistration):
            self._jwt["body"] = {**self._jwt["body"], "iss": self._registration.platform.issuer}
        super().save_launch_data()
        return self

    # -- after validation --------------------------------------------------------------------

    def claims(self) -> dict[str, Any]:
        """The validated claims, ``iss`` spelt as the registration stores it (identities are
        namespaced by it, whichever way the platform writes its issuer today)."""
        claims = dict(self._get_jwt_body())
        if isinstance(self._registration, ToolRegistration):
            claims["iss"] = self._registration.platform.issuer
        return claims

    def get_service_connector(self) -> ToolServiceConnector:
        assert self._registration is not None, "Registration not yet set"
        return ToolServiceConnector(self._registration, self._requests_session)
