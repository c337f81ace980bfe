"""Who is signed in to the pages, and with which roles; free of Flask.

A sign-in (an LTI launch, an OpenID Connect login, the demo's chooser) opens a page session:
a random token, of which only a SHA-256 is stored, bound to one pseudonymous learner. Roles
are not stored with it: each request derives them from the policy's ``sign_in`` rules, the
HR reporting lines (does the person manage a team?) and the claims the sign-in brought (the
LMS role, the identity provider's groups), so a policy or HR change takes effect at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from learnwire.core.errors import LearnwireError
from learnwire.core.intake import Intake
from learnwire.core.models import IdentityRef, PersonRecord
from learnwire.core.sources import SourceBatch
from learnwire.policies.model import PolicySet

Conn = psycopg.Connection[Any]
#: The learner role every signed-in person holds (when the policy defines it).
LEARNER = "learner"


class SignInFailed(LearnwireError):
    status = 401
    title = "not signed in"


@dataclass(frozen=True)
class SignedIn:
    """A signed-in person as the pages see them."""

    learner_id: UUID
    via: str
    claims: Mapping[str, Any]
    roles: tuple[str, ...]
    token_hash: str
    expires_at: datetime
    #: (source, unit) of the teams HR says this person manages.
    manages: tuple[tuple[str, str], ...] = field(default=())

    def holds(self, role: str) -> bool:
        return role in self.roles


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    conn: Conn,
    learner_id: UUID,
    *,
    via: str,
    claims: Mapping[str, Any],
    lifetime: timedelta,
) -> str:
    """Store a new page session and return its token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO page_session (token_hash, learner_id, via, claims, expires_at) "
        "VALUES (%s, %s, %s, %s, %s)",
        (
            token_hash(token),
            learner_id,
            via,
            json.dumps(dict(claims)),
            datetime.now(UTC) + lifetime,
        ),
    )
    return token


def close_session(conn: Conn, token: str) -> None:
    conn.execute("DELETE FROM page_session WHERE token_hash = %s", (token_hash(token),))


def load_session(conn: Conn, token: str, policy: PolicySet) -> SignedIn | None:
    """The person behind ``token`` with the roles they hold now, or None when the token is
    unknown or expired."""
    if not token or len(token) > 200:
        return None
    hashed = token_hash(token)
    row = conn.execute(
        "SELECT s.learner_id, s.via, s.claims, s.expires_at, "
        "coalesce(array_agg(ARRAY[m.source, m.unit_external_id]) "
        "FILTER (WHERE m.learner_id IS NOT NULL), '{}') "
        "FROM page_session s LEFT JOIN team_membership m "
        "ON m.learner_id = s.learner_id AND m.is_manager "
        "WHERE s.token_hash = %s AND s.expires_at > now() "
        "GROUP BY s.learner_id, s.via, s.claims, s.expires_at",
        (hashed,),
    ).fetchone()
    if row is None:
        return None
    learner_id, via, claims, expires_at, managed = row
    manages = tuple(sorted((str(s), str(u)) for s, u in managed))
    roles = policy.sign_in_roles(
        manages_team=bool(manages),
        lti_role=claims.get("lti_role"),
        groups=frozenset(claims.get("groups") or ()),
    )
    return SignedIn(learner_id, via, claims, roles, hashed, expires_at, manages)


def purge_expired(conn: Conn) -> int:
    return conn.execute("DELETE FROM page_session WHERE expires_at <= now()").rowcount


# -- sign-in sources -----------------------------------------------------------------------


@dataclass(frozen=True)
class LaunchSignIn:
    learner_id: UUID
    lti_role: str
    expires_at: datetime


def from_lti_launch(conn: Conn, launch_id: str) -> LaunchSignIn:
    """The verified, unexpired LTI launch ``launch_id`` (the LTI adapter's record of it).

    The launch id is the capability the LMS's iframe already carries in its links, so the
    pages open from it exactly as the learner page does, with no third-party cookie.
    """
    if not launch_id or len(launch_id) > 200:
        raise SignInFailed("no launch to sign in with; open the activity from your LMS")
    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT learner_id, role, expires_at FROM lti_launch "
                "WHERE launch_id = %s AND verified AND expires_at > now()",
                (launch_id,),
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        raise SignInFailed("signing in through the LMS is not set up here") from None
    if row is None:
        raise SignInFailed(
            "this launch is unknown, unconfirmed or has expired; open the activity again "
            "from your LMS"
        )
    return LaunchSignIn(row[0], row[1], row[2])


def learner_for_idp(conn: Conn, intake: Intake, issuer: str, claims: Mapping[str, Any]) -> UUID:
    """The learner an identity provider's verified ID token names, linking its identifiers.

    The provider's ``sub`` is always linked; the e-mail only when the provider says it has
    verified it (an unverified address could claim someone else's learner). When the e-mail
    already belongs to another learner than the ``sub`` does, intake records a conflict and
    links nothing: the ``sub`` resolves on its own, never merged by guesswork.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInFailed("the identity provider's token names nobody (no 'sub' claim)")
    sub_ref = IdentityRef(kind="oidc", namespace=issuer, value=subject)
    identifiers = [sub_ref]
    email = claims.get("email")
    if isinstance(email, str) and "@" in email and claims.get("email_verified") is True:
        identifiers.append(IdentityRef(kind="email", value=email))
    intake.store(
        conn,
        SourceBatch(people=[PersonRecord(source="oidc", identifiers=identifiers)]),
        source="oidc",
    )
    return intake.resolver.resolve_subjects(conn, [sub_ref], source="oidc")[0]
