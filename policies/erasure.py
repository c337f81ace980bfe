"""Erasure and access requests: everything held about one person, removed or written out.

Tables are found from the catalogue (:mod:`learnwire.policies.tables`), so tables other
parts of learnwire add later are covered. Data kept in other shapes -- an adapter's launch
state, the person's hashes inside other people's records -- is reached through the
:class:`~learnwire.core.personal_data.PersonalDataHolder` each part registers
(``register_personal_data``). Records whose category says ``aggregate_then_delete`` are
folded into the anonymous aggregates first, exactly as retention would. After deleting,
every table is scanned, whole rows as text, for the person's identifiers (learner id and
identifier hashes) and every holder is asked what remains; the erasure is reported complete
only when nothing does. An erasure that does not verify keeps what it needs to finish in
``policy_erasure_pending``; running it again finishes it, and running it on a person
already erased re-verifies and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ..core.errors import NotFound
from ..core.models import DataCategory
from ..core.personal_data import Person, PersonalDataHolder
from ..core.store import one
from .access import Resource, Subject
from .engine import PolicyEngine
from .redis_purge import purge_redis
from .retention import delete_batch, time_column
from .tables import PersonTable, all_tables, person_tables

Conn = psycopg.Connection[Any]
PURPOSE = "data_subject_request"
PENDING = "policy_erasure_pending"
log = logging.getLogger(__name__)


@dataclass
class ErasureReport:
    learner_subject_hash: str
    deleted: dict[str, int] = field(default_factory=dict)
    aggregated: dict[str, int] = field(default_factory=dict)
    redis: dict[str, int] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)
    tables_scanned: int = 0
    #: Redactions and deletions by personal-data holders, as ``holder.kind``.
    redacted: dict[str, int] = field(default_factory=dict)
    #: Holders that failed, by name, with the exception type (never its message).
    errors: dict[str, str] = field(default_factory=dict)
    #: ``erased`` (this run), ``finished`` (a pending erasure completed or advanced) or
    #: ``already_erased`` (nothing was left; re-verified).
    state: str = "erased"

    @property
    def verified(self) -> bool:
        return not self.remaining and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_hash": self.learner_subject_hash,
            "state": self.state,
            "deleted": self.deleted,
            "aggregated": self.aggregated,
            "redacted": self.redacted,
            "redis": self.redis,
            "errors": self.errors,
            "verification": {
                "tables_scanned": self.tables_scanned,
                "rows_still_naming_the_person": self.remaining,
                "verified": self.verified,
            },
        }


def holders_of(runtime: Any) -> list[PersonalDataHolder]:
    """Every registered holder of personal data outside ``learner_id`` columns."""
    return list(runtime.collect("register_personal_data", expect=PersonalDataHolder))


def identifiers(conn: Conn, learner_id: UUID) -> list[str]:
    """The strings that identify the person in stored data: id and identifier hashes."""
    hashes = [
        r[0]
        for r in conn.execute(
            "SELECT value_hash FROM identity_link WHERE learner_id = %s", (learner_id,)
        )
    ]
    return [str(learner_id), *hashes]


def erase(
    conn: Conn,
    engine: PolicyEngine,
    learner_id: UUID,
    *,
    by: Subject,
    redis_client: Any = None,
    holders: Sequence[PersonalDataHolder] = (),
) -> ErasureReport:
    """Remove the person everywhere, in the caller's transaction, and verify.

    Idempotent: for a person whose erasure is pending it finishes the work; for a person
    already erased it re-verifies. :raises NotFound: no such learner, and none erased under
    that id. :raises AccessDenied: ``by`` may not erase.
    """
    engine.refresh(conn)
    subject = engine.audit.subject_hash(learner_id)
    exists = conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone()
    pending = conn.execute(
        f"SELECT needles FROM {PENDING} WHERE subject_hash = %s", (subject,)
    ).fetchone()
    if exists is None and pending is None and not _erased_before(conn, subject):
        raise NotFound(f"no learner {learner_id}; nothing to erase")
    engine.authorize(conn, by, "erase", Resource("learner_data", owner=learner_id), PURPOSE)
    needles = identifiers(conn, learner_id) if exists else [str(learner_id)]
    if pending is not None:
        needles += [n for n in pending[0] if n not in needles]
    person = Person(learner_id, tuple(n for n in needles if n != str(learner_id)))
    report = ErasureReport(subject)
    report.state = "erased" if exists else ("finished" if pending else "already_erased")
    _run_holders(conn, holders, person, report)
    if exists:
        _delete_everywhere(conn, engine, learner_id, report)
    if redis_client is not None:
        report.redis = purge_redis(redis_client, needles)
    report.remaining, report.tables_scanned = scan(conn, needles)
    _ask_holders(conn, holders, person, report)
    _keep_or_clear_pending(conn, subject, needles, report)
    engine.record(
        conn,
        by,
        "erase:learner_data",
        "done" if report.verified else "incomplete",
        purpose=PURPOSE,
        learner_id=learner_id,
        detail={k: v for k, v in report.as_dict().items() if k != "subject_hash"},
    )
    return report


def _delete_everywhere(
    conn: Conn, engine: PolicyEngine, learner_id: UUID, report: ErasureReport
) -> None:
    tables = person_tables(conn)
    _fold_aggregates(conn, engine, tables, learner_id, report)
    pending = [t for t in tables if t.name != "learner"]
    for _ in range(len(pending) + 1):  # foreign keys between added tables: retry in order
        failed: list[PersonTable] = []
        for table in pending:
            try:
                with conn.transaction():
                    gone = _delete_person(conn, table, learner_id)
            except psycopg.errors.ForeignKeyViolation:
                failed.append(table)
                continue
            if gone:
                report.deleted[table.name] = report.deleted.get(table.name, 0) + gone
        if not failed or len(failed) == len(pending):
            break
        pending = failed
    gone = conn.execute("DELETE FROM learner WHERE id = %s", (learner_id,)).rowcount
    report.deleted["learner"] = gone


def _run_holders(
    conn: Conn, holders: Sequence[PersonalDataHolder], person: Person, report: ErasureReport
) -> None:
    for holder in holders:
        try:
            with conn.transaction():
                changed = holder.erase(conn, person)
        except Exception as exc:  # one broken holder must not stop the rest of the erasure
            log.exception("personal data holder %s failed to erase", holder.name)
            report.errors[holder.name] = f"erase failed ({type(exc).__name__})"
            continue
        for kind, count in changed.items():
            report.redacted[f"{holder.name}.{kind}"] = count


def _ask_holders(
    conn: Conn, holders: Sequence[PersonalDataHolder], person: Person, report: ErasureReport
) -> None:
    for holder in holders:
        try:
            with conn.transaction():
                left = holder.remaining(conn, person)
        except Exception as exc:
            log.exception("personal data holder %s failed to verify", holder.name)
            report.errors.setdefault(holder.name, f"verify failed ({type(exc).__name__})")
            continue
        for kind, count in left.items():
            report.remaining[f"{holder.name}.{kind}"] = count


def _keep_or_clear_pending(
    conn: Conn, subject: str, needles: list[str], report: ErasureReport
) -> None:
    if report.verified:
        conn.execute(f"DELETE FROM {PENDING} WHERE subject_hash = %s", (subject,))
        return
    conn.execute(
        f"INSERT INTO {PENDING} (subject_hash, needles, remaining) VALUES (%s, %s, %s) "
        "ON CONFLICT (subject_hash) DO UPDATE SET needles = excluded.needles, "
        f"remaining = excluded.remaining, attempts = {PENDING}.attempts + 1",
        (subject, needles, Jsonb({**report.remaining, **report.errors})),
    )


def _erased_before(conn: Conn, subject: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM policy_audit WHERE action = 'erase:learner_data' AND subject_hash = %s "
        "LIMIT 1",
        (subject,),
    ).fetchone()
    return row is not None


def scan(conn: Conn, needles: list[str]) -> tuple[dict[str, int], int]:
    """Rows per table whose text contains any of ``needles`` (every column, every table but
    the pending-erasure ledger, which holds the needles until the erasure verifies)."""
    remaining: dict[str, int] = {}
    tables = [t for t in all_tables(conn) if t != PENDING]
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {t} AS r WHERE r::text LIKE ANY(%s)").format(
            t=sql.Identifier(table)
        )
        patterns = [f"%{_escape_like(n)}%" for n in needles]
        count = one(conn.execute(query, (patterns,)))[0]
        if count:
            remaining[table] = count
    return remaining, len(tables)


def export(
    conn: Conn,
    engine: PolicyEngine,
    learner_id: UUID,
    *,
    by: Subject,
    holders: Sequence[PersonalDataHolder] = (),
) -> dict[str, Any]:
    """Everything held about the person as JSON data: every table with their
    ``learner_id`` (opt-outs included) and what each personal-data holder keeps
    (``held_by``: LTI launch data, mentions in other people's statements...).
    :func:`learnwire.policies.export_document.render_html` makes it readable."""
    engine.refresh(conn)
    if conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone() is None:
        raise NotFound(f"no learner {learner_id}")
    engine.authorize(conn, by, "export", Resource("learner_data", owner=learner_id), PURPOSE)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in person_tables(conn):
        condition = _person_condition(table)
        query = sql.SQL("SELECT to_jsonb(r) FROM {t} AS r WHERE {c}").format(
            t=sql.Identifier(table.name), c=condition
        )
        rows = [r[0] for r in conn.execute(query, {"learner": learner_id})]
        if rows:
            tables[table.name] = rows
    learner = one(
        conn.execute("SELECT to_jsonb(l) FROM learner AS l WHERE id = %s", (learner_id,))
    )[0]
    person = Person(learner_id, tuple(identifiers(conn, learner_id)[1:]))
    held: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for holder in holders:
        sections = holder.export(conn, person)
        if sections:
            held[holder.name] = sections
    data = {
        "learner_id": str(learner_id),
        "exported_at": datetime.now(UTC).isoformat(),
        "policy_version": engine.version,
        "learner": learner,
        "tables": tables,
        "held_by": held,
        "audit": _audit_about(conn, engine, learner_id),
    }
    engine.record(
        conn,
        by,
        "export:learner_data",
        "done",
        purpose=PURPOSE,
        learner_id=learner_id,
        detail={
            "rows": {name: len(rows) for name, rows in tables.items()},
            "held_by": {
                f"{name}.{section}": len(records)
                for name, sections in held.items()
                for section, records in sections.items()
            },
        },
    )
    return data


def _audit_about(conn: Conn, engine: PolicyEngine, learner_id: UUID) -> list[dict[str, Any]]:
    """Who read, changed or was refused the person's data, and why: the audit entries that
    name them (by keyed hash). They stay after erasure, naming nobody once the id is gone."""
    rows = conn.execute(
        "SELECT at, actor, action, outcome, purpose FROM policy_audit WHERE subject_hash = %s "
        "ORDER BY id",
        (engine.audit.subject_hash(learner_id),),
    ).fetchall()
    return [
        {"at": at.isoformat(), "by": actor, "action": action, "outcome": outcome, "purpose": p}
        for at, actor, action, outcome, p in rows
    ]


def _fold_aggregates(
    conn: Conn,
    engine: PolicyEngine,
    tables: list[PersonTable],
    learner_id: UUID,
    report: ErasureReport,
) -> None:
    """Apply the categories' aggregate-then-delete to the person's records first."""
    for table in (t for t in tables if t.retained):
        for category in DataCategory:
            rule = engine.policy.categories[category].retention
            if rule.at_expiry != "aggregate_then_delete":
                continue
            condition = sql.SQL("learner_id = %(learner)s AND data_category::text = %(cat)s")
            while True:
                gone = delete_batch(
                    conn,
                    table,
                    condition,
                    {"learner": learner_id, "cat": category.value},
                    category=category.value,
                    time_col=time_column(table, rule),
                    aggregate=True,
                    limit=5000,
                )
                if gone:
                    report.aggregated[table.name] = report.aggregated.get(table.name, 0) + gone
                    report.deleted[table.name] = report.deleted.get(table.name, 0) + gone
                if gone < 5000:
                    break


def _person_condition(table: PersonTable) -> sql.Composable:
    if table.is_array:
        return sql.SQL("%(learner)s = ANY({c})").format(c=sql.Identifier(table.column))
    return sql.SQL("{c}::text = %(learner)s::text").format(c=sql.Identifier(table.column))


def _delete_person(conn: Conn, table: PersonTable, learner_id: UUID) -> int:
    query = sql.SQL("DELETE FROM {t} WHERE {c}").format(
        t=sql.Identifier(table.name), c=_person_condition(table)
    )
    return conn.execute(query, {"learner": learner_id}).rowcount


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
