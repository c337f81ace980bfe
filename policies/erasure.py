"""Erasure and access requests: everything held about one person, removed or written out.

Tables are found from the catalogue (:mod:`learnwire.policies.tables`), so tables other
parts of learnwire add later are covered. Records whose category says
``aggregate_then_delete`` are folded into the anonymous aggregates first, exactly as
retention would. After deleting, every table is scanned, whole rows as text, for the
person's identifiers (learner id and identifier hashes); the erasure is reported complete
only when that scan finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from ..core.errors import NotFound
from ..core.models import DataCategory
from ..core.store import one
from .access import Resource, Subject
from .engine import PolicyEngine
from .redis_purge import purge_redis
from .retention import delete_batch, time_column
from .tables import PersonTable, all_tables, person_tables

Conn = psycopg.Connection[Any]
PURPOSE = "data_subject_request"


@dataclass
class ErasureReport:
    learner_subject_hash: str
    deleted: dict[str, int] = field(default_factory=dict)
    aggregated: dict[str, int] = field(default_factory=dict)
    redis: dict[str, int] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)
    tables_scanned: int = 0

    @property
    def verified(self) -> bool:
        return not self.remaining

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_hash": self.learner_subject_hash,
            "deleted": self.deleted,
            "aggregated": self.aggregated,
            "redis": self.redis,
            "verification": {
                "tables_scanned": self.tables_scanned,
                "rows_still_naming_the_person": self.remaining,
                "verified": self.verified,
            },
        }


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
) -> ErasureReport:
    """Remove the person everywhere, in the caller's transaction, and verify.

    :raises NotFound: no such learner. :raises AccessDenied: ``by`` may not erase.
    """
    engine.refresh(conn)
    exists = conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone()
    if exists is None:
        raise NotFound(f"no learner {learner_id}; nothing to erase")
    engine.authorize(conn, by, "erase", Resource("learner_data", owner=learner_id), PURPOSE)
    needles = identifiers(conn, learner_id)
    report = ErasureReport(engine.audit.subject_hash(learner_id))
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
    if redis_client is not None:
        report.redis = purge_redis(redis_client, needles)
    report.remaining, report.tables_scanned = scan(conn, needles)
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


def scan(conn: Conn, needles: list[str]) -> tuple[dict[str, int], int]:
    """Rows per table whose text contains any of ``needles`` (every column, every table)."""
    remaining: dict[str, int] = {}
    tables = all_tables(conn)
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {t} AS r WHERE r::text LIKE ANY(%s)").format(
            t=sql.Identifier(table)
        )
        patterns = [f"%{_escape_like(n)}%" for n in needles]
        count = one(conn.execute(query, (patterns,)))[0]
        if count:
            remaining[table] = count
    return remaining, len(tables)


def export(conn: Conn, engine: PolicyEngine, learner_id: UUID, *, by: Subject) -> dict[str, Any]:
    """Everything held about the person, table by table, plus opt-outs (as JSON data)."""
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
    data = {
        "learner_id": str(learner_id),
        "exported_at": datetime.now(UTC).isoformat(),
        "policy_version": engine.version,
        "learner": learner,
        "tables": tables,
    }
    engine.record(
        conn,
        by,
        "export:learner_data",
        "done",
        purpose=PURPOSE,
        learner_id=learner_id,
        detail={"rows": {name: len(rows) for name, rows in tables.items()}},
    )
    return data


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
