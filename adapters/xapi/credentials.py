"""HTTP Basic credentials for the statements resource, one or more per source.

A credential is a random key and secret; only the secret's SHA-256 is stored (the secret is
256 random bits, so a slow password hash would add nothing) and it is shown once, when
created. Every statement sent with a credential is recorded under the credential's source.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from learnwire.core.errors import LearnwireError, NotFound, ValidationFailed

Conn = psycopg.Connection[Any]

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,127}$")


class Unauthorized(LearnwireError):
    """No credential, or one that is unknown, wrong or revoked."""

    status = 401
    title = "unauthorized"


@dataclass(frozen=True)
class IssuedCredential:
    key: str
    secret: str
    source: str


@dataclass(frozen=True)
class CredentialInfo:
    key: str
    source: str
    created_at: datetime
    revoked_at: datetime | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(conn: Conn, source: str) -> IssuedCredential:
    """Issue a new credential for ``source``; the returned secret is never shown again."""
    if not SOURCE_NAME.match(source):
        raise ValidationFailed(
            f"source '{source}' must be lowercase letters, digits and . _ : - "
            "(e.g. moodle-prod), at most 128 characters",
            field="source",
        )
    key = "lw_" + secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO xapi_credential (key, secret_hash, source) VALUES (%s, %s, %s)",
        (key, _hash(secret), source),
    )
    return IssuedCredential(key, secret, source)


def revoke(conn: Conn, key: str) -> None:
    cur = conn.execute(
        "UPDATE xapi_credential SET revoked_at = now() WHERE key = %s AND revoked_at IS NULL",
        (key,),
    )
    if cur.rowcount == 0:
        raise NotFound(f"no active xAPI credential with key '{key}'")


def list_all(conn: Conn) -> list[CredentialInfo]:
    rows = conn.execute(
        "SELECT key, source, created_at, revoked_at FROM xapi_credential ORDER BY created_at"
    ).fetchall()
    return [CredentialInfo(*row) for row in rows]


def authenticate(conn: Conn, authorization: str | None) -> str:
    """The source of the credential in an ``Authorization: Basic ...`` header value."""
    if not authorization or not authorization[:6].lower() == "basic ":
        raise Unauthorized(
            "send HTTP Basic credentials (create them with "
            "`learnwire xapi credentials create --source NAME`)"
        )
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("the Basic credentials are not valid base64 of key:secret") from None
    key, sep, secret = decoded.partition(":")
    if not sep:
        raise Unauthorized("the Basic credentials must be key:secret")
    row = conn.execute(
        "SELECT secret_hash, source FROM xapi_credential WHERE key = %s AND revoked_at IS NULL",
        (key,),
    ).fetchone()
    # Compare against a dummy hash when the key is unknown so timing says nothing about keys.
    expected = row[0] if row else _hash(secrets.token_hex(16))
    if not hmac.compare_digest(expected, _hash(secret)) or row is None:
        raise Unauthorized("unknown or revoked xAPI credential, or wrong secret")
    return str(row[1])
