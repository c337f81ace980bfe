"""Retention: removing records past their category's period, in batches.

Each batch deletes at most ``batch_size`` rows and, where the category says
``aggregate_then_delete``, folds them into ``policy_retained_aggregate`` in the same
statement, so a sweep killed at any point leaves every batch either fully done or not
started: rerunning it finishes the job without double counting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from ..core.models import DataCategory
from ..core.store import one
from .model import PolicySet, Retention
from .tables import PersonTable, retention_tables

if TYPE_CHECKING:
    from ..core.store import Database

log = logging.getLogger(__name__)
Conn = psycopg.Connection[Any]
_LABELS = ("verb", "fact_type", "situation")


@dataclass
class SweepReport:
    deleted: dict[str, int] = field(default_factory=dict)
    aggregated: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    complete: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "deleted": self.deleted,
            "aggregated": self.aggregated,
            "total_deleted": sum(self.deleted.values()),
            "batches": self.batches,
            "complete": self.complete,
            "errors": self.errors,
        }


def time_column(table: PersonTable, retention: Retention) -> str:
    """The column a category's period is counted from in ``table``."""
    if retention.measured_from == "event" and "starts_at" in table.columns:
        return "starts_at"
    return "occurred_at"


def cutoff(retention: Retention, now: datetime) -> datetime:
    return now - retention.period


def delete_batch(
    conn: Conn,
    table: PersonTable,
    condition: sql.Composable,
    params: dict[str, Any],
    *,
    category: str,
    time_col: str,
    aggregate: bool,
    limit: int,
) -> int:
    """Delete up to ``limit`` rows of ``table`` matching ``condition`` (folding them into the
    anonymous aggregates first when ``aggregate``); returns how many went."""
    t = sql.Identifier(table.name)
    pick = sql.SQL("SELECT ctid FROM {t} WHERE {cond} LIMIT %(limit)s").format(t=t, cond=condition)
    args = {**params, "limit": limit, "table_name": table.name, "category": category}
    if not aggregate:
        query = sql.SQL(
            "WITH gone AS (DELETE FROM {t} WHERE ctid = ANY(ARRAY({pick})) RETURNING 1) "
            "SELECT count(*) FROM gone"
        ).format(t=t, pick=pick)
        return one(conn.execute(query, args))[0]
    query = sql.SQL(
        "WITH gone AS (DELETE FROM {t} WHERE ctid = ANY(ARRAY({pick})) RETURNING "
        "{source} AS source, date_trunc('month', {time})::date AS period, {label} AS label, "
        "{completion} AS completion, {success} AS success, {score} AS score), "
        "kept AS (INSERT INTO policy_retained_aggregate AS a (table_name, data_category, "
        "source, period, label, records, completions, successes, score_sum, score_count) "
        "SELECT %(table_name)s, %(category)s, source, period, label, count(*), "
        "count(*) FILTER (WHERE completion), count(*) FILTER (WHERE success), "
        "coalesce(sum(score), 0), count(score) FROM gone GROUP BY source, period, label "
        "ON CONFLICT (table_name, data_category, source, period, label) DO UPDATE SET "
        "records = a.records + excluded.records, "
        "completions = a.completions + excluded.completions, "
        "successes = a.successes + excluded.successes, "
        "score_sum = a.score_sum + excluded.score_sum, "
        "score_count = a.score_count + excluded.score_count, updated_at = now() RETURNING 1) "
        "SELECT count(*) FROM gone"
    ).format(
        t=t,
        pick=pick,
        time=sql.Identifier(time_col),
        source=_column_or(table, "source", "''::text"),
        label=_label(table),
        completion=_column_or(table, "completion", "NULL::boolean"),
        success=_column_or(table, "success", "NULL::boolean"),
        score=_column_or(table, "score_scaled", "NULL::double precision"),
    )
    return one(conn.execute(query, args))[0]


def expired_counts(conn: Conn, policy: PolicySet, *, now: datetime | None = None) -> dict[str, Any]:
    """Rows past their period per ``table/category`` and what would happen to them."""
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {}
    for table in retention_tables(conn):
        for category, rule in policy.categories.items():
            col = time_column(table, rule.retention)
            query = sql.SQL(
                "SELECT count(*) FROM {t} WHERE data_category::text = %s AND {c} < %s"
            ).format(t=sql.Identifier(table.name), c=sql.Identifier(col))
            count = one(conn.execute(query, (category.value, cutoff(rule.retention, now))))[0]
            if count:
                out[f"{table.name}/{category.value}"] = {
                    "rows": count,
                    "at_expiry": rule.retention.at_expiry,
                    "keep_for": rule.retention.keep_for,
                }
    return out


def sweep(
    db: Database,
    policy: PolicySet,
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
    max_batches: int | None = None,
) -> SweepReport:
    """Remove every record past its category's period; each batch commits on its own."""
    now = now or datetime.now(UTC)
    report = SweepReport()
    with db.connection() as conn:
        tables = retention_tables(conn)
    for table in tables:
        for category in DataCategory:
            rule = policy.categories[category].retention
            key = f"{table.name}/{category.value}"
            col = time_column(table, rule)
            condition = sql.SQL("data_category::text = %(cat)s AND {c} < %(cutoff)s").format(
                c=sql.Identifier(col)
            )
            params = {"cat": category.value, "cutoff": cutoff(rule, now)}
            aggregate = rule.at_expiry == "aggregate_then_delete"
            while True:
                if max_batches is not None and report.batches >= max_batches:
                    report.complete = False
                    return report
                try:
                    with db.connection() as conn, conn.transaction():
                        gone = delete_batch(
                            conn,
                            table,
                            condition,
                            params,
                            category=category.value,
                            time_col=col,
                            aggregate=aggregate,
                            limit=batch_size,
                        )
                except psycopg.Error as exc:  # e.g. a foreign key another table added
                    # The server's message can quote row values; the report goes to the
                    # audit log, so it names the kind of error and where, not the data.
                    diag = exc.diag
                    where = diag.constraint_name or diag.table_name or ""
                    report.errors[key] = f"{type(exc).__name__} (SQLSTATE {exc.sqlstate})" + (
                        f" on {where}" if where else ""
                    )
                    report.complete = False
                    break
                if gone:
                    report.batches += 1  # only batches that removed rows count
                    report.deleted[key] = report.deleted.get(key, 0) + gone
                    if aggregate:
                        report.aggregated[key] = report.aggregated.get(key, 0) + gone
                if gone < batch_size:
                    break
    return report


def _column_or(table: PersonTable, column: str, fallback: str) -> sql.Composable:
    return sql.Identifier(column) if column in table.columns else sql.SQL(fallback)


def _label(table: PersonTable) -> sql.Composable:
    for column in _LABELS:
        if column in table.columns:
            return sql.SQL("{}::text").format(sql.Identifier(column))
    return sql.SQL("''::text")
