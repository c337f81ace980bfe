"""Stored outcome reports: the table ``outcome_report_snapshot`` (core migration 0010).

The report replays everyone's history and takes tens of seconds on a large organisation, so
pages serve the last one computed for the same parameters (:class:`ReportKey`) and a
periodic task (:mod:`.refresh`) keeps it current. A snapshot is the report's JSON only:
figures over groups of at least k people, already withheld below k; nothing per person and
not who asked for it. It is stamped with the policy version it was computed under and is
not served once another policy is in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field

from .periods import Period
from .report import OutcomeReport

Conn = psycopg.Connection[Any]
SOURCE = "outcome_report"
DEFAULT_DAYS = 90


class ReportKey(BaseModel):
    """The parameters a report is stored under: either a rolling window of ``days`` ending
    when it is computed, or the fixed window ``[since, until)``; ``role`` a job profile id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period = "month"
    role: str | None = Field(default=None, max_length=200)
    days: int | None = Field(default=DEFAULT_DAYS, gt=0)
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def fixed(
        cls, since: datetime, until: datetime, *, period: Period, role: str | None
    ) -> ReportKey:
        return cls(period=period, role=role, days=None, since=since, until=until)

    @property
    def text(self) -> str:
        window = (
            f"last:{self.days}d"
            if self.days is not None
            else f"{_iso(self.since)}/{_iso(self.until)}"
        )
        return f"period={self.period};window={window};role={self.role or ''}"

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """``(since, until)`` of a report computed at ``now``."""
        if self.days is not None:
            return now - timedelta(days=self.days), now
        assert self.since is not None and self.until is not None
        return self.since, self.until


def _iso(at: datetime | None) -> str:
    assert at is not None, "a fixed window names both since and until"
    return at.isoformat()


@dataclass(frozen=True)
class Snapshot:
    key: str
    report: OutcomeReport
    computed_at: datetime
    policy_version: str | None

    def current(self, policy_version: str | None) -> bool:
        """Computed under the policy now in force?"""
        return self.policy_version == policy_version


def save(
    conn: Conn,
    key: ReportKey,
    report: OutcomeReport,
    *,
    computed_at: datetime,
    policy_version: str | None,
) -> None:
    """Store ``report`` as the snapshot for ``key``, replacing an older one (a slower,
    older computation finishing last never replaces a newer one)."""
    conn.execute(
        "INSERT INTO outcome_report_snapshot (report_key, period, role_id, window_days, since, "
        "until, report, policy_version, source, data_category, computed_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'derived', %s) "
        "ON CONFLICT (report_key) DO UPDATE SET report = EXCLUDED.report, "
        "since = EXCLUDED.since, until = EXCLUDED.until, "
        "policy_version = EXCLUDED.policy_version, computed_at = EXCLUDED.computed_at, "
        "stored_at = now() "
        "WHERE outcome_report_snapshot.computed_at <= EXCLUDED.computed_at",
        (
            key.text,
            key.period,
            key.role,
            key.days,
            report.since,
            report.until,
            Jsonb(report.model_dump(mode="json")),
            policy_version,
            SOURCE,
            computed_at,
        ),
    )


def load(conn: Conn, key: ReportKey) -> Snapshot | None:
    """The stored snapshot for ``key``, whatever policy it was computed under."""
    row = conn.execute(
        "SELECT report, computed_at, policy_version FROM outcome_report_snapshot "
        "WHERE report_key = %s",
        (key.text,),
    ).fetchone()
    if row is None:
        return None
    return Snapshot(key.text, OutcomeReport.model_validate(row[0]), row[1], row[2])


def rolling_keys(conn: Conn, older_than: datetime, limit: int) -> list[ReportKey]:
    """Rolling-window keys whose snapshot was computed before ``older_than``, oldest first
    (the ones a periodic refresh should bring up to date)."""
    rows = conn.execute(
        "SELECT period, role_id, window_days FROM outcome_report_snapshot "
        "WHERE window_days IS NOT NULL AND computed_at < %s ORDER BY computed_at LIMIT %s",
        (older_than, limit),
    ).fetchall()
    return [ReportKey(period=p, role=role, days=days) for p, role, days in rows]


def sweep(conn: Conn, keep_days: float) -> int:
    """Delete snapshots computed more than ``keep_days`` ago; how many were deleted."""
    return conn.execute(
        "DELETE FROM outcome_report_snapshot WHERE computed_at < now() - make_interval(secs => %s)",
        (keep_days * 86400,),
    ).rowcount
