"""The tool's signing keys: generate, rotate, retire, publish.

The newest key that is not retired signs deep-linking responses and service-token
assertions. Every key that is not retired stays in the JWKS, so a platform that cached the
previous key keeps verifying until an admin retires it (after the platform has refetched).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

from ...core.errors import Conflict, NotFound
from ...core.store import one

Conn = psycopg.Connection[Any]

#: LTI 1.3 requires RS256; 2048-bit keys are what Moodle and Canvas expect.
ALGORITHM = "RS256"
KEY_SIZE = 2048


@dataclass(frozen=True)
class ToolKey:
    kid: str
    private_key_pem: str
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None

    @property
    def public_key_pem(self) -> str:
        return JWK(**self.public_jwk).export_to_pem().decode()

    def summary(self, active_kid: str | None) -> dict[str, Any]:
        status = (
            "retired" if self.retired_at else "active" if self.kid == active_kid else "published"
        )
        return {
            "kid": self.kid,
            "status": status,
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }


def generate() -> tuple[str, str, dict[str, Any]]:
    """A new RSA key: (kid, private PEM, public JWK). The kid is the RFC 7638 thumbprint."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    jwk = JWK.from_pem(pem.encode())
    kid = jwk.thumbprint()
    public = jwk.export_public(as_dict=True)
    public.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    return kid, pem, public


_COLUMNS = "kid, private_key_pem, public_jwk, created_at, retired_at"


def _row(row: tuple[Any, ...]) -> ToolKey:
    kid, pem, jwk, created, retired = row
    return ToolKey(kid, pem, jwk if isinstance(jwk, dict) else json.loads(jwk), created, retired)


def rotate(conn: Conn) -> ToolKey:
    """Create a new signing key; it becomes the active one, older keys stay published."""
    kid, pem, public = generate()
    row = conn.execute(
        f"INSERT INTO lti_tool_key (kid, private_key_pem, public_jwk) VALUES (%s, %s, %s) "
        f"RETURNING {_COLUMNS}",
        (kid, pem, json.dumps(public)),
    )
    return _row(one(row))


def active(conn: Conn) -> ToolKey | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM lti_tool_key WHERE retired_at IS NULL "
        "ORDER BY created_at DESC, kid LIMIT 1"
    ).fetchone()
    return _row(row) if row else None


def ensure_active(conn: Conn) -> ToolKey:
    """The active key, generating the first one when the tool has none yet."""
    # Serialise first-key creation so two concurrent registrations don't make two keys.
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('learnwire.lti.keys'))")
    return active(conn) or rotate(conn)


def all_keys(conn: Conn) -> list[ToolKey]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM lti_tool_key ORDER BY created_at, kid")
    return [_row(r) for r in rows]


def published_jwks(conn: Conn) -> dict[str, list[dict[str, Any]]]:
    """The JWKS document: every key that is not retired, newest first."""
    rows = conn.execute(
        "SELECT public_jwk FROM lti_tool_key WHERE retired_at IS NULL ORDER BY created_at DESC, kid"
    )
    return {"keys": [r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in rows]}


def retire(conn: Conn, kid: str) -> ToolKey:
    """Stop publishing ``kid``. The active key cannot be retired: rotate first."""
    keys = {k.kid: k for k in all_keys(conn)}
    if kid not in keys:
        known = ", ".join(keys) or "none"
        raise NotFound(f"no tool key with kid '{kid}' (known: {known})")
    if keys[kid].retired_at is not None:
        return keys[kid]
    current = active(conn)
    if current is not None and current.kid == kid:
        raise Conflict(
            f"'{kid}' is the active signing key; run `learnwire lti keys rotate` first, wait "
            "until platforms have fetched the new key set, then retire this one"
        )
    row = conn.execute(
        f"UPDATE lti_tool_key SET retired_at = clock_timestamp() WHERE kid = %s "
        f"RETURNING {_COLUMNS}",
        (kid,),
    )
    return _row(one(row))
