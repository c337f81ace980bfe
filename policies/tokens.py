"""Service accounts: scoped bearer tokens for the compliance API and integrations.

A token is ``lwt_<id>_<secret>``; only a SHA-256 of the secret is stored, so a stolen
database does not yield usable tokens. A token acts with one policy role, optionally narrowed
to ``action:resource`` scopes (e.g. ``export:learner_data``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from ..core.errors import NotFound, Unauthorized, ValidationFailed
from ..core.governance import Subject
from ..core.store import one
from .model import ACTIONS, RESOURCES, PolicySet

Conn = psycopg.Connection[Any]
_TOKEN = re.compile(r"^lwt_([0-9a-f]{32})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class ServiceToken:
    id: uuid.UUID
    name: str
    role: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "role": self.role,
            "scopes": self.scopes,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }

    def subject(self) -> Subject:
        return Subject(self.role, f"token:{self.name}", None, frozenset(self.scopes) or None)


_COLUMNS = "id, name, role, scopes, created_by, created_at, last_used_at, revoked_at"


def create(
    conn: Conn,
    policy: PolicySet,
    *,
    name: str,
    role: str,
    scopes: list[str],
    created_by: str,
) -> tuple[ServiceToken, str]:
    """Create a token; returns it and the secret string, which is shown only this once."""
    if role not in policy.roles:
        raise ValidationFailed(
            f"unknown role '{role}'; expected one of: {', '.join(sorted(policy.roles))}",
            field="role",
        )
    for scope in scopes:
        action, _, resource = scope.partition(":")
        if action not in ACTIONS or resource not in RESOURCES:
            raise ValidationFailed(
                f"scope '{scope}' is not action:resource (actions: {', '.join(ACTIONS)}; "
                f"resources: {', '.join(RESOURCES)})",
                field="scope",
            )
    token_id = uuid.uuid4()
    secret = secrets.token_urlsafe(32)
    row = conn.execute(
        "INSERT INTO policy_token (id, name, role, scopes, secret_hash, created_by) "
        f"VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (token_id, name, role, scopes, _hash(secret), created_by),
    )
    return ServiceToken(*one(row)), f"lwt_{token_id.hex}_{secret}"


def authenticate(conn: Conn, header: str | None) -> ServiceToken:
    """The live token named by an ``Authorization: Bearer ...`` header, or Unauthorized."""
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("send 'Authorization: Bearer <token>' with a learnwire service token")
    match = _TOKEN.match(header.removeprefix("Bearer ").strip())
    if match is None:
        raise Unauthorized("the bearer token is not a learnwire service token (lwt_...)")
    token_id, secret = uuid.UUID(match[1]), match[2]
    row = conn.execute(
        f"SELECT {_COLUMNS}, secret_hash FROM policy_token WHERE id = %s", (token_id,)
    ).fetchone()
    if row is None or not hmac.compare_digest(row[-1], _hash(secret)):
        raise Unauthorized("unknown or wrong service token")
    token = ServiceToken(*row[:-1])
    if token.revoked_at is not None:
        raise Unauthorized(f"service token '{token.name}' was revoked")
    conn.execute("UPDATE policy_token SET last_used_at = now() WHERE id = %s", (token_id,))
    return token


def revoke(conn: Conn, token_id: uuid.UUID) -> ServiceToken:
    row = conn.execute(
        "UPDATE policy_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s "
        f"RETURNING {_COLUMNS}",
        (token_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no service token {token_id}")
    return ServiceToken(*row)


def list_tokens(conn: Conn) -> list[ServiceToken]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM policy_token ORDER BY created_at").fetchall()
    return [ServiceToken(*row) for row in rows]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
