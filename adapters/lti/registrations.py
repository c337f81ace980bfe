"""Platform registrations and their deployments, stored in PostgreSQL.

A registration is one ``(issuer, client_id)`` pair with the platform's endpoints; a platform
may register the tool several times (several client ids) and deploy each registration
several times (deployment ids). Launches from an unknown deployment are refused.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import psycopg
from pydantic import Field, field_validator

from ...core.models import Boundary
from ...core.store import one
from .errors import RegistrationFailed

Conn = psycopg.Connection[Any]


def issuer_key(issuer: str) -> str:
    """The identity of an issuer: scheme and host lower-cased, the default port and trailing
    slashes dropped. Platforms are inconsistent about the trailing slash (in the admin
    screens and in the ``iss`` they sign), and one platform must stay one registration."""
    parts = urlsplit(issuer.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return issuer.strip()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path.rstrip("/"), parts.query, ""))


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_https(url: str, what: str, *, allow_http: bool, hint: str) -> None:
    """Refuse a plain-http URL outside loopback: tokens and keys would cross the network in
    clear. Loopback stays allowed for local trials and tests; ``allow_http`` is the
    operator's explicit exception (``hint`` says how to give it)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or allow_http or (scheme == "http" and is_loopback(url)):
        return
    raise RegistrationFailed(
        f"{what} '{url}' is not an https:// URL; plain HTTP is only accepted on loopback "
        f"(localhost, 127.0.0.1) unless explicitly allowed ({hint})"
    )


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
    active: bool = True

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
    "r.auth_audience, r.method, r.platform_name, r.product_family_code, r.active, "
    "coalesce(array_agg(d.deployment_id ORDER BY d.deployment_id) "
    "FILTER (WHERE d.deployment_id IS NOT NULL), '{}')"
)
_FROM = "FROM lti_registration r LEFT JOIN lti_deployment d ON d.registration_id = r.id"


def _from_row(row: tuple[Any, ...]) -> PlatformRegistration:
    (_, issuer, client_id, login, token, keyset, audience, method, name, family, active, deps) = row
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
        active=active,
        deployment_ids=list(deps),
    )


def save(conn: Conn, registration: PlatformRegistration) -> bool:
    """Insert or update a registration and add its deployments; True when it was new.

    The issuer is matched by :func:`issuer_key`, and an existing registration keeps the
    issuer spelling it was first stored with (learner identities are namespaced by it).
    Saving a deactivated registration again activates it. Deployments are only ever added
    here: removing one is a separate, deliberate act.
    """
    row = conn.execute(
        "INSERT INTO lti_registration (issuer, issuer_key, client_id, auth_login_url, "
        "auth_token_url, keyset_url, auth_audience, method, platform_name, product_family_code)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (issuer_key, client_id) "
        "DO UPDATE SET active = true, deactivated_at = NULL, "
        "auth_login_url = excluded.auth_login_url, auth_token_url = excluded.auth_token_url,"
        " keyset_url = excluded.keyset_url, auth_audience = excluded.auth_audience, "
        "method = excluded.method, platform_name = coalesce(excluded.platform_name, "
        "lti_registration.platform_name), product_family_code = coalesce("
        "excluded.product_family_code, lti_registration.product_family_code), "
        "updated_at = now() RETURNING id, (xmax = 0)",
        (
            registration.issuer,
            issuer_key(registration.issuer),
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
    Deactivated registrations are not found.
    """
    if client_id:
        rows = conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE r.issuer_key = %s AND r.client_id = %s "
            "AND r.active GROUP BY r.id",
            (issuer_key(issuer), client_id),
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE r.issuer_key = %s AND r.active GROUP BY r.id LIMIT 2",
            (issuer_key(issuer),),
        ).fetchall()
    return _from_row(rows[0]) if len(rows) == 1 else None


def issuer_known(conn: Conn, issuer: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM lti_registration WHERE issuer_key = %s AND active LIMIT 1",
        (issuer_key(issuer),),
    )
    return row.fetchone() is not None


def has_deployment(conn: Conn, issuer: str, client_id: str, deployment_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM lti_deployment d JOIN lti_registration r ON r.id = d.registration_id "
        "WHERE r.issuer_key = %s AND r.client_id = %s AND d.deployment_id = %s AND r.active",
        (issuer_key(issuer), client_id, deployment_id),
    ).fetchone()
    return row is not None


def add_deployment(conn: Conn, issuer: str, client_id: str, deployment_id: str) -> bool:
    """Add a deployment to an existing registration; True when it was new."""
    registration = _registration_id(conn, issuer, client_id)
    cur = conn.execute(
        "INSERT INTO lti_deployment (registration_id, deployment_id) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING",
        (registration, deployment_id),
    )
    return cur.rowcount == 1


def _registration_id(conn: Conn, issuer: str, client_id: str) -> int:
    row = conn.execute(
        "SELECT id FROM lti_registration WHERE issuer_key = %s AND client_id = %s",
        (issuer_key(issuer), client_id),
    ).fetchone()
    if row is None:
        raise RegistrationFailed(
            f"no registration for issuer '{issuer}' and client id '{client_id}'; "
            "`learnwire lti registrations` lists them"
        )
    return int(row[0])


def remove_deployment(conn: Conn, issuer: str, client_id: str, deployment_id: str) -> None:
    """Stop accepting launches from one deployment; raises when it is not registered."""
    registration = _registration_id(conn, issuer, client_id)
    cur = conn.execute(
        "DELETE FROM lti_deployment WHERE registration_id = %s AND deployment_id = %s",
        (registration, deployment_id),
    )
    if cur.rowcount == 0:
        raise RegistrationFailed(
            f"deployment '{deployment_id}' is not registered for issuer '{issuer}' and "
            f"client id '{client_id}'"
        )


def set_active(conn: Conn, issuer: str, client_id: str, active: bool) -> bool:
    """(De)activate a registration; True when that changed something. A deactivated
    registration is kept (with its deployments) but refuses launches and service calls."""
    registration = _registration_id(conn, issuer, client_id)
    cur = conn.execute(
        "UPDATE lti_registration SET active = %s, deactivated_at = CASE WHEN %s THEN NULL "
        "ELSE now() END, updated_at = now() WHERE id = %s AND active <> %s",
        (active, active, registration, active),
    )
    return cur.rowcount == 1


def delete(conn: Conn, issuer: str, client_id: str) -> list[str]:
    """Delete a registration and its deployments; the deployment ids it had."""
    registration = _registration_id(conn, issuer, client_id)
    deployments = [
        r[0]
        for r in conn.execute(
            "SELECT deployment_id FROM lti_deployment WHERE registration_id = %s "
            "ORDER BY deployment_id",
            (registration,),
        )
    ]
    conn.execute("DELETE FROM lti_registration WHERE id = %s", (registration,))
    return deployments


def deactivate_other_dynamic(conn: Conn, issuer: str, keep_client_id: str) -> list[str]:
    """Deactivate the issuer's other dynamically registered client ids; returns them.

    Each dynamic registration run makes the platform issue a new client id: the new one
    replaces the earlier ones, which would otherwise stay valid forever.
    """
    rows = conn.execute(
        "UPDATE lti_registration SET active = false, deactivated_at = now(), updated_at = now()"
        " WHERE issuer_key = %s AND client_id <> %s AND method = 'dynamic' AND active "
        "RETURNING client_id",
        (issuer_key(issuer), keep_client_id),
    ).fetchall()
    return sorted(r[0] for r in rows)


def all_registrations(conn: Conn) -> list[PlatformRegistration]:
    rows = conn.execute(f"SELECT {_COLUMNS} {_FROM} GROUP BY r.id ORDER BY r.issuer, r.client_id")
    return [_from_row(r) for r in rows]
