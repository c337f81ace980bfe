"""Server-side OIDC login state: one row per login the tool started, redeemed once.

The state (what the browser carries back) and the nonce (what the platform signs into the
id_token) are bound together here, so a launch must present the state of a login this tool
started, signed with that login's nonce, exactly once, before the login expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import psycopg

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class LoginState:
    state: str
    nonce: str
    issuer: str
    client_id: str
    storage_target: str | None
    params: dict[str, Any] = field(default_factory=dict)
    used: bool = False
    expired: bool = False


def start(
    conn: Conn,
    *,
    state: str,
    nonce: str,
    issuer: str,
    client_id: str,
    storage_target: str | None,
    params: dict[str, Any],
    ttl_seconds: int,
) -> None:
    conn.execute(
        "INSERT INTO lti_oidc_login (state, nonce, issuer, client_id, storage_target, params, "
        "expires_at) VALUES (%s, %s, %s, %s, %s, %s, now() + make_interval(secs => %s))",
        (state, nonce, issuer, client_id, storage_target, json.dumps(params), ttl_seconds),
    )


def get(conn: Conn, state: str) -> LoginState | None:
    row = conn.execute(
        "SELECT state, nonce, issuer, client_id, storage_target, params, used_at IS NOT NULL, "
        "expires_at <= now() FROM lti_oidc_login WHERE state = %s",
        (state,),
    ).fetchone()
    if row is None:
        return None
    state_, nonce, issuer, client_id, target, params, used, expired = row
    return LoginState(
        state_, nonce, issuer, client_id, target, params=params or {}, used=used, expired=expired
    )


def redeem(conn: Conn, state: str, nonce: str) -> bool:
    """Mark the login used; False when another request redeemed it first or it expired."""
    cur = conn.execute(
        "UPDATE lti_oidc_login SET used_at = now() WHERE state = %s AND nonce = %s "
        "AND used_at IS NULL AND expires_at > now()",
        (state, nonce),
    )
    return cur.rowcount == 1


def nonce_used(conn: Conn, nonce: str) -> bool:
    row = conn.execute(
        "SELECT used_at IS NOT NULL FROM lti_oidc_login WHERE nonce = %s", (nonce,)
    ).fetchone()
    return bool(row and row[0])


def purge_expired(conn: Conn, *, keep_seconds: int = 86400) -> int:
    """Forget logins that expired more than ``keep_seconds`` ago, and expired launch data."""
    cur = conn.execute(
        "DELETE FROM lti_oidc_login WHERE expires_at < now() - make_interval(secs => %s)",
        (keep_seconds,),
    )
    removed = cur.rowcount
    removed += conn.execute("DELETE FROM lti_launch_data WHERE expires_at < now()").rowcount
    removed += conn.execute("DELETE FROM lti_launch WHERE expires_at < now()").rowcount
    return removed
