"""Where pylti1p3 keeps launch state: PostgreSQL, never a browser cookie.

``PostgresLaunchDataStorage`` is pylti1p3's key/value launch-data storage (validated launch
bodies, cached platform key sets) with expiry. ``ServerSideSessionService`` replaces
pylti1p3's session service for OIDC state and nonce: they are written to
``lti_oidc_login`` at login and redeemed once at launch, so nothing depends on third-party
cookies inside the LMS iframe.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.session import SessionService

from . import login_state
from .errors import LaunchRejected
from .login_state import LoginState

Conn = psycopg.Connection[Any]

#: Claims that name a person. Launch data outlives the request, so these are dropped before
#: it is stored: learnwire keeps identifiers only as keyed hashes.
PERSONAL_CLAIMS = (
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "email",
    "picture",
    "https://purl.imsglobal.org/spec/lti/claim/lis",
    "https://purl.imsglobal.org/spec/lti/claim/ext",
)


class PostgresLaunchDataStorage(LaunchDataStorage[Any]):
    """Key/value storage in ``lti_launch_data``; values are JSON, keys expire."""

    def __init__(self, conn: Conn) -> None:
        super().__init__()
        self._conn = conn

    def get_session_cookie_name(self) -> str | None:
        # No session cookie: keys are global and unguessable (launch ids are random UUIDs).
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        row = self._conn.execute(
            "SELECT value FROM lti_launch_data WHERE key = %s "
            "AND (expires_at IS NULL OR expires_at > now())",
            (self._prepare_key(key),),
        ).fetchone()
        return row[0] if row else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._conn.execute(
            "INSERT INTO lti_launch_data (key, value, expires_at) VALUES (%s, %s, "
            "CASE WHEN %s::integer IS NULL THEN NULL ELSE now() + make_interval(secs => %s) END)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "expires_at = excluded.expires_at",
            (self._prepare_key(key), json.dumps(value), exp, exp),
        )

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def delete_value(self, key: str) -> None:
        self._conn.execute("DELETE FROM lti_launch_data WHERE key = %s", (self._prepare_key(key),))


class ServerSideSessionService(SessionService):
    """OIDC state and nonce in PostgreSQL, bound to each other, redeemed exactly once."""

    def __init__(
        self, conn: Conn, *, login_ttl_seconds: int = 600, launch_ttl_seconds: int = 14400
    ) -> None:
        # pylti1p3's base class wants a request with a server-side session; we have none.
        self._conn = conn
        self.data_storage = PostgresLaunchDataStorage(conn)
        self._login_ttl = login_ttl_seconds
        self._launch_data_lifetime = launch_ttl_seconds
        self._pending_nonce: str | None = None
        self.started: LoginState | None = None

    # -- login -----------------------------------------------------------------------------

    def save_nonce(self, nonce: str) -> None:
        # pylti1p3 calls this just before save_state_params; the row is written there, so
        # state and nonce are stored together.
        self._pending_nonce = nonce

    def save_state_params(self, state: str, params: dict[str, Any]) -> None:
        if self._pending_nonce is None:
            raise RuntimeError("save_nonce must be called before save_state_params")
        login_state.purge_expired(self._conn)
        login_state.start(
            self._conn,
            state=state,
            nonce=self._pending_nonce,
            issuer=str(params["issuer"]),
            client_id=str(params["client_id"]),
            storage_target=params.get("storage_target") or None,
            params=params,
            ttl_seconds=self._login_ttl,
        )
        self.started = login_state.get(self._conn, state)

    def get_state_params(self, state: str) -> dict[str, Any]:
        found = login_state.get(self._conn, state)
        return found.params if found else {}

    # -- launch ----------------------------------------------------------------------------

    def login_for_state(self, state: str) -> LoginState:
        """The open login ``state`` belongs to; raises with the reason when there is none."""
        found = login_state.get(self._conn, state)
        if found is None:
            raise LaunchRejected(
                "unknown_state",
                "The launch's state does not belong to any login this tool started. Start the "
                "activity again from the LMS.",
            )
        if found.used:
            raise LaunchRejected(
                "state_replayed",
                "This login was already used by an earlier launch; a launch can be used once. "
                "Start the activity again from the LMS.",
            )
        if found.expired:
            raise LaunchRejected(
                "state_expired",
                "The login took too long to come back from the LMS and has expired. Start the "
                "activity again.",
            )
        return found

    def redeem(self, login: LoginState, nonce: str) -> None:
        """Use up ``login`` with the id_token's ``nonce``; raises on replay or mismatch."""
        if nonce != login.nonce:
            if login_state.nonce_used(self._conn, nonce):
                raise LaunchRejected(
                    "nonce_replayed",
                    "The id_token's nonce was already used by an earlier launch: this is a "
                    "replayed token.",
                )
            raise LaunchRejected(
                "nonce_mismatch",
                "The id_token's nonce is not the one this tool issued for this login (the "
                "state and the token belong to different logins).",
            )
        if not login_state.redeem(self._conn, login.state, nonce):
            raise LaunchRejected(
                "state_replayed", "This login was redeemed by another request at the same time."
            )

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        found = login_state.get(self._conn, state)
        return found is not None and not found.used and not found.expired

    def check_nonce(self, nonce: str) -> bool:
        row = self._conn.execute(
            "SELECT used_at IS NULL AND expires_at > now() FROM lti_oidc_login WHERE nonce = %s",
            (nonce,),
        ).fetchone()
        return bool(row and row[0])

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        # pylti1p3 would let the same state validate again; ours is single-use by design.
        return None

    def save_launch_data(self, key: str, jwt_body: Any) -> None:
        minimal = {k: v for k, v in dict(jwt_body).items() if k not in PERSONAL_CLAIMS}
        super().save_launch_data(key, minimal)
