"""What ``/compliance`` does, through the policy engine's own functions (the ones behind
``learnwire policy ...`` and ``learnwire privacy ...``): check, dry-run and apply policy
documents, read history and diffs, search and verify the audit log, and work the queue of
access and erasure requests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from learnwire.core.errors import NotFound, ValidationFailed
from learnwire.core.store import one
from learnwire.policies import audit, erasure, versions
from learnwire.policies.access import Resource, Subject
from learnwire.policies.documents import DocumentProblem
from learnwire.policies.dryrun import dry_run
from learnwire.policies.engine import PolicyEngine
from learnwire.policies.validation import LoadedPolicy, PolicyInvalid, load_texts

Conn = psycopg.Connection[Any]
PURPOSE = "data_subject_request"
KINDS = ("access", "erasure")


def may_manage_policy(conn: Conn, engine: PolicyEngine, who: Subject) -> None:
    engine.authorize(conn, who, "manage", Resource("policy"), PURPOSE)


def may_read_audit(conn: Conn, engine: PolicyEngine, who: Subject) -> None:
    engine.authorize(conn, who, "read", Resource("audit_log"), PURPOSE)


# -- policy documents ----------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    documents: dict[str, str]
    loaded: LoadedPolicy | None
    problems: list[DocumentProblem]


def propose(engine: PolicyEngine, name: str, text: str) -> Proposal:
    """The documents in force with ``name`` replaced by ``text``, validated as a whole."""
    documents = dict(engine.in_force.loaded.documents)
    if name not in documents:
        raise NotFound(f"no policy document '{name[:80]}'")
    if len(text) > 200_000:
        raise ValidationFailed("a policy document is limited to 200,000 characters", field="text")
    documents[name] = text.replace("\r\n", "\n")
    try:
        return Proposal(documents, load_texts(documents), [])
    except PolicyInvalid as exc:
        return Proposal(documents, None, exc.problems)


def dry_run_of(conn: Conn, engine: PolicyEngine, proposal: Proposal) -> dict[str, Any]:
    if proposal.loaded is None:
        raise ValidationFailed("fix the document's problems before a dry run")
    return dry_run(conn, engine.in_force.loaded, proposal.loaded)


def apply(
    conn: Conn, engine: PolicyEngine, who: Subject, proposal: Proposal, reason: str
) -> tuple[versions.PolicyVersion, bool]:
    """Store and put in force (audited by ``versions.store`` with the reason)."""
    if proposal.loaded is None:
        raise ValidationFailed("the documents have problems; nothing was applied")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("say why you are changing the policy", field="reason")
    return versions.store(
        conn, engine, proposal.loaded, author=engine.actor(who), comment=reason[:500]
    )


def diff(conn: Conn, a: int, b: int) -> str:
    first, second = versions.get(conn, a), versions.get(conn, b)
    return versions.text_diff(first.documents, second.documents, f"v{a}", f"v{b}")


def problems_by_line(problems: list[DocumentProblem], name: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for p in problems:
        if p.file == name:
            out.setdefault(p.line or 0, []).append(
                f"{p.path}: {p.message}" if p.path else p.message
            )
    return out


# -- the audit log ---------------------------------------------------------------------------


def search_audit(
    conn: Conn,
    engine: PolicyEngine,
    *,
    person: UUID | None = None,
    actor: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    viewer: Subject | None = None,
) -> list[audit.AuditEntry]:
    """Entries newest first; ``person`` is matched through the keyed hash the log keeps."""
    clauses: list[str] = ["true"]
    params: list[Any] = []
    if person is not None:
        clauses.append("subject_hash = %s")
        params.append(engine.audit.subject_hash(person))
    if actor:
        clauses.append("actor LIKE %s")
        params.append(_prefix(actor))
    if action:
        clauses.append("action LIKE %s")
        params.append(_prefix(action))
    if since is not None:
        clauses.append("at >= %s")
        params.append(since)
    if until is not None:
        clauses.append("at <= %s")
        params.append(until)
    rows = conn.execute(
        "SELECT id, at, actor, action, outcome, purpose, subject_hash, detail, prev_hash, hash "
        f"FROM policy_audit WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT %s",
        (*params, limit),
    ).fetchall()
    if person is not None and viewer is not None:
        # Looking up what happened to one person is a read of their data: audited.
        engine.record(conn, viewer, "read:audit_log", "allowed", purpose=PURPOSE, learner_id=person)
    return [audit.AuditEntry(*row) for row in rows]


def _prefix(text: str) -> str:
    escaped = text[:200].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


# -- access and erasure requests -------------------------------------------------------------


@dataclass(frozen=True)
class PrivacyRequest:
    id: int
    kind: str
    learner_id: UUID | None
    subject_hash: str
    status: str
    note: str
    requested_by: str
    requested_at: datetime
    handled_by: str | None
    handled_at: datetime | None
    outcome: Mapping[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        body = dict(self.__dict__)
        body["learner_id"] = str(self.learner_id) if self.learner_id else None
        for key in ("requested_at", "handled_at"):
            body[key] = body[key].isoformat() if body[key] else None
        return body


_REQUEST = (
    "id, kind, subject_learner, subject_hash, status, note, requested_by, requested_at, "
    "handled_by, handled_at, outcome"
)


def file_request(
    conn: Conn, engine: PolicyEngine, who: Subject, learner_id: UUID, kind: str, note: str = ""
) -> PrivacyRequest:
    if kind not in KINDS:
        raise ValidationFailed(
            f"a request is 'access' or 'erasure', not '{kind[:40]}'", field="kind"
        )
    if conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone() is None:
        raise NotFound("no such learner")
    row = one(
        conn.execute(
            "INSERT INTO privacy_request (kind, subject_learner, subject_hash, note, requested_by) "
            f"VALUES (%s, %s, %s, %s, %s) RETURNING {_REQUEST}",
            (
                kind,
                learner_id,
                engine.audit.subject_hash(learner_id),
                note[:1000],
                engine.actor(who),
            ),
        )
    )
    engine.record(
        conn,
        who,
        f"request:{kind}",
        "filed",
        purpose=PURPOSE,
        learner_id=learner_id,
        detail={"request": row[0]},
    )
    return PrivacyRequest(*row)


def requests(conn: Conn, *, status: str | None = None) -> list[PrivacyRequest]:
    rows = conn.execute(
        f"SELECT {_REQUEST} FROM privacy_request WHERE %s::text IS NULL OR status = %s "
        "ORDER BY status = 'open' DESC, requested_at DESC LIMIT 200",
        (status, status),
    ).fetchall()
    return [PrivacyRequest(*r) for r in rows]


def get_request(conn: Conn, request_id: int) -> PrivacyRequest:
    row = conn.execute(
        f"SELECT {_REQUEST} FROM privacy_request WHERE id = %s", (request_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no request {request_id}")
    return PrivacyRequest(*row)


def handle(
    conn: Conn,
    engine: PolicyEngine,
    who: Subject,
    request_id: int,
    *,
    refuse: bool = False,
    note: str = "",
    redis_client: Any = None,
) -> PrivacyRequest:
    """Carry out (erase, or record that the export was handed over) or refuse a request."""
    found = get_request(conn, request_id)
    if found.status != "open":
        raise ValidationFailed(f"request {request_id} is already {found.status}")
    outcome: dict[str, Any]
    if refuse:
        if not note.strip():
            raise ValidationFailed("say why the request is refused", field="note")
        outcome = {"refused": note.strip()[:1000]}
    elif found.learner_id is None:
        raise ValidationFailed("the person was already erased; refuse the request with a note")
    elif found.kind == "erasure":
        report = erasure.erase(conn, engine, found.learner_id, by=who, redis_client=redis_client)
        outcome = {k: v for k, v in report.as_dict().items() if k != "subject_hash"}
    else:
        data = erasure.export(conn, engine, found.learner_id, by=who)
        outcome = {"rows": {name: len(rows) for name, rows in data["tables"].items()}}
    row = one(
        conn.execute(
            "UPDATE privacy_request SET status = %s, handled_by = %s, handled_at = now(), "
            f"outcome = %s WHERE id = %s RETURNING {_REQUEST}",
            ("refused" if refuse else "done", engine.actor(who), Jsonb(outcome), request_id),
        )
    )
    return PrivacyRequest(*row)


def export_for(conn: Conn, engine: PolicyEngine, who: Subject, request_id: int) -> dict[str, Any]:
    """The access request's export (asked of the engine again: authorised and audited)."""
    found = get_request(conn, request_id)
    if found.kind != "access" or found.learner_id is None:
        raise NotFound("this request has no export")
    return erasure.export(conn, engine, found.learner_id, by=who)
