"""Platform registrations and their deployments, stored in PostgreSQL.

A registration is one ``(issuer, client_id)`` pair with the platform's endpoints; a platform
may register the tool several times (several client ids) and deploy each registration
several times (deployment ids). Launches from an unknown deployment are refused.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

import psycopg
from pydantic import Field, field_validator

from ...core.models import Boundary
from ...core.store import one
from .errors import RegistrationFailed

Conn = psycopg.Connection[Any]


def _http_url(value: str) -> str:
    # Issuers are compared byte for byte with the `iss` claim, so the URL is kept exactly as
    # given (pydantic's HttpUrl would append a slash to a bare host).
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"'{value}' is not an http(s) URL")
    return value


class PlatformRegistration(Boundary):
    """What the tool knows about one registration of itself on a platform."""

    issuer: str = Field(min_length=1, max_length=1024)
    client_id: str = Field(min_length=1, max_length=512)
    auth_login_url: str
    auth_token_url: str
    keyset_url: str
    auth_audience: str | None = None
    deployment_ids: list[str] = Field(default_factory=list)
    method: Literal["manual", "dynamic"] = "manual"
    platform_name: str | None = None
    product_family_code: str | None = None

    @field_validator("issuer", "auth_login_url", "auth_token_url", "keyset_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("deployment_ids")
    @classmethod
    def _deployments(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value]
        if any(not v for v in cleaned):
            raise ValueError("deployment ids must not be empty")
        return list(dict.fromkeys(cleaned))


_COLUMNS = (
    "r.id, r.issuer, r.client_id, r.auth_login_url, r.auth_token_url, r.keyset_url, "
    "r.auth_audience, r.method, r.platform_name, r.product_family_code, "
    "coalesce(array_agg(d.deployment_id ORDER BY d.deployment_id) "
    "FILTER (WHERE d.deployment_id IS NOT NULL), '{}')"
)
_FROM = "FROM lti_registration r LEFT JOIN lti_deployment d ON d.registration_id = r.id"


def _from_row(row: tuple[Any, ...]) -> PlatformRegistration:
    (_, issuer, client_id, login, token, keyset, audience, method, name, family, deps) = row
    return PlatformRegistration(
        issuer=issuer,
        client_id=client_id,
        auth_login_url=login,
        auth_token_url=token,
        keyset_url=keyset,
        auth_audience=audience,
        method=method,
        platform_name=name,
        product_family_code=family,
        deployment_ids=list(deps),
    )


def save(conn: Conn, registration: PlatformRegistration) -> bool:
    """Insert or update a registration and add its deployments; True when it was new.

    Deployments are only ever added here: removing one is a separate, deliberate act.
    """
    row = conn.execute(
        "INSERT INTO lti_registration (issuer, client_id, auth_login_url, auth_token_url, "
        "keyset_url, auth_audience, method, platform_name, product_family_code) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (issuer, client_id) DO UPDATE "
        "SET auth_login_url = excluded.auth_login_url, auth_token_url = excluded.auth_token_url,"
        " keyset_url = excluded.keyset_url, auth_audience = excluded.auth_audience, "
        "method = excluded.method, platform_name = coalesce(excluded.platform_name, "
        "lti_registration.platform_name), product_family_code = coalesce("
        "excluded.product_family_code, lti_registration.product_family_code), "
        "updated_at = now() RETURNING id, (xmax = 0)",
        (
            registration.issuer,
            registration.client_id,
            registration.auth_login_url,
            registration.auth_token_url,
            registration.keyset_url,
            registration.auth_audience,
            registration.method,
            registration.platform_name,
            registration.product_family_code,
        ),
    )
    registration_id, created = one(row)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO lti_deployment (registration_id, deployment_id) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING",
            [(registration_id, d) for d in registration.deployment_ids],
        )
    return bool(created)


def find(conn: Conn, issuer: str, client_id: str | None) -> PlatformRegistration | None:
    """The registration for ``issuer`` and ``client_id``.

    Without a client id (it is optional in the OIDC login request) the issuer's only
    registration is returned; when the issuer has several, None (the request is ambiguous).
    """
    if client_id:
        rows = conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE r.issuer = %s AND r.client_id = %s GROUP BY r.id",
            (issuer, client_id),
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE r.issuer = %s GROUP BY r.id LIMIT 2", (issuer,)
        ).fetchall()
    return _from_row(rows[0]) if len(rows) == 1 else None


def issuer_known(conn: Conn, issuer: str) -> bool:
    row = conn.execute("SELECT 1 FROM lti_registration WHERE issuer = %s LIMIT 1", (issuer,))
    return row.fetchone() is not None


def has_deployment(conn: Conn, issuer: str, client_id: str, deployment_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM lti_deployment d JOIN lti_registration r ON r.id = d.registration_id "
        "WHERE r.issuer = %s AND r.client_id = %s AND d.deployment_id = %s",
        (issuer, client_id, deployment_id),
    ).fetchone()
    return row is not None


def add_deployment(conn: Conn, issuer: str, client_id: str, deployment_id: str) -> bool:
    """Add a deployment to an existing registration; True when it was new."""
    registration = conn.execute(
        "SELECT id FROM lti_registration WHERE issuer = %s AND client_id = %s",
        (issuer, client_id),
    ).fetchone()
    if registration is None:
        raise RegistrationFailed(
            f"no registration for issuer '{issuer}' and client id '{client_id}'; "
            "run `learnwire lti register` first"
        )
    cur = conn.execute(
        "INSERT INTO lti_deployment (registration_id, deployment_id) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING",
        (registration[0], deployment_id),
    )
    return cur.rowcount == 1


def all_registrations(conn: Conn) -> list[PlatformRegistration]:
    rows = conn.execute(f"SELECT {_COLUMNS} {_FROM} GROUP BY r.id ORDER BY r.issuer, r.client_id")
    return [_from_row(r) for r in rows]
