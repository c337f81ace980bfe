"""Validated launches and course memberships: resolving the LTI user to a learner, keeping
what later page actions (deep linking, scores, rosters) need, for a limited time."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from ...core.intake import Intake
from ...core.models import PersonRecord
from ...core.sources import SourceBatch
from ...core.store import one
from .context import SOURCE, LaunchContext, lti_identity
from .errors import LaunchNotFound, LaunchRejected
from .roles import LearnwireRole

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class LaunchRecord:
    launch_id: str
    learner_id: uuid.UUID
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    role: LearnwireRole
    context_id: str | None
    resource_link_id: str | None
    content_id: uuid.UUID | None
    state: str
    nonce: str
    binding: str
    verified: bool


def resolve_learners(
    conn: Conn, intake: Intake, issuer: str, people: Sequence[tuple[str, PersonRecord]]
) -> tuple[list[uuid.UUID], dict[str, Any]]:
    """Learner ids for ``(sub, person)`` pairs, linking their identifiers through intake.

    Returns the ids in order and intake's report. When a person's e-mail already belongs to
    another learner, intake records the conflict and links nothing; the LTI identity then
    resolves on its own, never merged by guesswork.
    """
    report = intake.store(conn, SourceBatch(people=[p for _, p in people]), source=SOURCE)
    refs = [lti_identity(issuer, sub) for sub, _ in people]
    ids = intake.resolver.resolve_subjects(conn, refs, source=SOURCE) if refs else []
    return ids, report.as_dict()


def record(conn: Conn, ctx: LaunchContext, learner_id: uuid.UUID, ttl_seconds: int) -> LaunchRecord:
    """Store the launch; a platform-storage launch is verified later by the browser."""
    verified = ctx.binding != "platform_storage"
    conn.execute(
        "INSERT INTO lti_launch (launch_id, learner_id, occurred_at, issuer, client_id, "
        "deployment_id, message_type, role, context_id, resource_link_id, content_id, state, "
        "nonce, binding, verified, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " %s, %s, %s, %s, %s, now() + make_interval(secs => %s))",
        (
            ctx.launch_id,
            learner_id,
            datetime.now(UTC),
            ctx.issuer,
            ctx.client_id,
            ctx.deployment_id,
            ctx.message_type,
            ctx.role.value,
            ctx.context_id,
            ctx.resource_link_id,
            ctx.content_id,
            ctx.state,
            ctx.nonce,
            ctx.binding,
            verified,
            ttl_seconds,
        ),
    )
    if ctx.context_id:
        upsert_memberships(conn, [(learner_id, ctx.issuer, ctx.context_id, ctx.role)])
    return load(conn, ctx.launch_id, require_verified=False)


_COLUMNS = (
    "launch_id, learner_id, issuer, client_id, deployment_id, message_type, role, context_id, "
    "resource_link_id, content_id, state, nonce, binding, verified"
)


def load(conn: Conn, launch_id: str, *, require_verified: bool = True) -> LaunchRecord:
    """The launch ``launch_id`` while it is valid; raises LaunchNotFound otherwise."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM lti_launch WHERE launch_id = %s AND expires_at > now()",
        (launch_id,),
    ).fetchone()
    if row is None:
        raise LaunchNotFound(
            "This launch is unknown or has expired. Open the activity again from the LMS."
        )
    launch_id, learner_id, issuer, client_id, deployment_id, message_type, role, *rest = row
    context_id, resource_link_id, content_id, state, nonce, binding, verified = rest
    found = LaunchRecord(
        launch_id,
        learner_id,
        issuer,
        client_id,
        deployment_id,
        message_type,
        LearnwireRole(role),
        context_id,
        resource_link_id,
        content_id,
        state,
        nonce,
        binding,
        verified,
    )
    if require_verified and not found.verified:
        raise LaunchRejected(
            "unverified_launch",
            "This launch has not been confirmed by the LMS's platform storage yet.",
            status=403,
        )
    return found


def verify(conn: Conn, launch_id: str, state: str, nonce: str) -> LaunchRecord:
    """Confirm a platform-storage launch with the state and nonce the browser read back."""
    found = load(conn, launch_id, require_verified=False)
    same = hmac.compare_digest(found.state, state) and hmac.compare_digest(found.nonce, nonce)
    if not same:
        raise LaunchRejected(
            "storage_mismatch",
            "The state and nonce kept in the LMS's platform storage do not match this launch: "
            "it was not started in this browser.",
            status=403,
        )
    conn.execute("UPDATE lti_launch SET verified = true WHERE launch_id = %s", (launch_id,))
    return load(conn, launch_id)


def action_token(secret: bytes, record: LaunchRecord) -> str:
    """The proof a browser shows for actions on a launch: only pages rendered for that
    launch carry it. Keyed by the deployment's secret over the launch id and its nonce, so
    the launch id alone (in URLs, logs, a screenshot) no longer acts for the learner."""
    message = f"learnwire.lti.launch-action\x1f{record.launch_id}\x1f{record.nonce}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def require_bound(secret: bytes, record: LaunchRecord, token: str | None, *, known: bool) -> None:
    """Refuse an action on ``record`` from a browser that did not launch it.

    ``known``: this browser's session already holds the launch (where cookies work);
    otherwise ``token`` must be the launch's action token from one of its pages.
    """
    if known:
        return
    if token and hmac.compare_digest(token, action_token(secret, record)):
        return
    raise LaunchRejected(
        "unbound_launch",
        "This launch was not opened in this browser, so its pages and actions are not "
        "available here. Open the activity again from the LMS.",
        status=403,
    )


def upsert_memberships(
    conn: Conn, rows: Sequence[tuple[uuid.UUID, str, str, LearnwireRole]]
) -> int:
    if not rows:
        return 0
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO lti_course_membership (learner_id, issuer, context_id, role, "
            "occurred_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (learner_id, issuer, "
            "context_id) DO UPDATE SET role = excluded.role, occurred_at = excluded.occurred_at,"
            " stored_at = now()",
            [(lid, iss, ctx, role.value, now) for lid, iss, ctx, role in rows],
        )
    return len(rows)


def end_memberships_except(
    conn: Conn, issuer: str, context_id: str, members: Sequence[uuid.UUID]
) -> int:
    """End the course memberships of everyone not in ``members``; how many ended."""
    cur = conn.execute(
        "DELETE FROM lti_course_membership WHERE issuer = %s AND context_id = %s "
        "AND NOT (learner_id = ANY(%s))",
        (issuer, context_id, list(members)),
    )
    return cur.rowcount


def course_size(conn: Conn, issuer: str, context_id: str) -> int:
    row = one(
        conn.execute(
            "SELECT count(*) FROM lti_course_membership WHERE issuer = %s AND context_id = %s",
            (issuer, context_id),
        )
    )
    return int(row[0])
