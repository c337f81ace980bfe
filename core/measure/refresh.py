"""Computing, reading and refreshing stored outcome reports (:mod:`.snapshots`).

- :func:`compute_snapshot` computes a report and stores it, one computation per key at a time
  across processes (a transaction-level advisory lock: a second caller skips);
- :func:`read_current` is what a reader gets: authorised exactly as computing the report
  would be (a read of a ``learning_aggregate`` over the organisation for
  ``learning_analytics``, fewer than k people refused, audited), then the snapshot only if
  it was computed under the policy now in force;
- :func:`start_refresh` runs :func:`compute_snapshot` on a background thread, so a page
  never waits the tens of seconds a report takes; at most one computation runs at a time per
  process and a few wait behind it.

The background computation reads as ``ld_admin`` (named :data:`REFRESH_SUBJECT` in the
audit), the role whose figures it stores; readers are authorised themselves.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import psycopg

from ..governance import Governance, Resource, Subject
from ..store import Database, one
from .outcomes import PURPOSE
from .report import outcome_report
from .snapshots import ReportKey, Snapshot, load, save

log = logging.getLogger(__name__)
Conn = psycopg.Connection[Any]
REFRESH_SUBJECT = Subject("ld_admin", "outcome-report-refresh")
#: Keys waiting for or in computation per process; beyond this a request is turned away
#: (the page says so) rather than queueing threads without bound.
MAX_PENDING = 4

_pending: dict[str, threading.Thread] = {}
_pending_lock = threading.Lock()
# One computation at a time per process: each replays everyone's history and would
# otherwise compete for the same cores.
_compute_lock = threading.Lock()


def compute_snapshot(
    db: Database, governance: Governance, key: ReportKey, *, now: datetime | None = None
) -> Snapshot | None:
    """Compute the report for ``key`` as :data:`REFRESH_SUBJECT` and store it. None when
    another process is computing the same key right now (its result will be stored).

    :raises AccessDenied: the policy refuses the organisation's figures (e.g. fewer than k
        people); nothing is stored.
    """
    at = now or datetime.now(UTC)
    since, until = key.window(at)
    with db.connection() as conn:
        locked = one(
            conn.execute(
                "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
                (f"outcome_report_snapshot:{key.text}",),
            )
        )[0]
        if not locked:
            return None
        report = outcome_report(
            conn,
            governance,
            REFRESH_SUBJECT,
            since=since,
            until=until,
            period=key.period,
            role=key.role,
            now=at,
        )
        # outcome_report refreshed the policy first: this is the version it read under.
        version = governance.policy_version
        save(conn, key, report, computed_at=at, policy_version=version)
    return Snapshot(key.text, report, at, version)


def read_current(
    conn: Conn, governance: Governance, viewer: Subject, key: ReportKey
) -> Snapshot | None:
    """The snapshot for ``key`` if ``viewer`` may read the organisation's figures and it
    was computed under the policy in force; None when there is none or it is stale.

    :raises AccessDenied: ``viewer`` may not read organisation figures for
        ``learning_analytics`` or the organisation has fewer than k people (audited).
    """
    authorise_reader(conn, governance, viewer)
    snapshot = load(conn, key)
    if snapshot is None or not snapshot.current(governance.policy_version):
        return None
    return snapshot


def authorise_reader(conn: Conn, governance: Governance, viewer: Subject) -> None:
    """Authorise ``viewer`` as computing the report would: a read of a
    ``learning_aggregate`` over everyone for ``learning_analytics`` (audited).

    :raises AccessDenied: refused.
    """
    governance.refresh(conn)
    people = one(conn.execute("SELECT count(*) FROM learner"))[0]
    governance.authorize(
        conn,
        viewer,
        "read",
        Resource("learning_aggregate", group_size=people),
        PURPOSE,
        detail={"people": people, "stored_report": True},
    )


def start_refresh(db: Database, governance: Governance, key: ReportKey) -> bool:
    """Compute ``key``'s snapshot on a background thread. True when it is (now or already)
    being prepared in this process; False when too many reports are already waiting."""
    with _pending_lock:
        if key.text in _pending:
            return True
        if len(_pending) >= MAX_PENDING:
            return False
        thread = threading.Thread(
            target=_run, args=(db, governance, key), name="learnwire-outcome-report", daemon=True
        )
        _pending[key.text] = thread
    thread.start()
    return True


def _run(db: Database, governance: Governance, key: ReportKey) -> None:
    try:
        with _compute_lock:
            compute_snapshot(db, governance, key)
    except Exception as exc:  # a background thread has no caller to raise to
        # The type only: a message may quote data.
        log.error("outcome report %s was not computed: %s", key.text, type(exc).__name__)
    finally:
        with _pending_lock:
            _pending.pop(key.text, None)


def preparing(key: ReportKey) -> bool:
    """Is ``key`` waiting for or in computation in this process?"""
    with _pending_lock:
        return key.text in _pending


def wait_for_refreshes(timeout: float) -> bool:
    """Wait until this process's background computations end (tests, benchmarks); True
    when none is left."""
    with _pending_lock:
        threads = list(_pending.values())
    for thread in threads:
        thread.join(timeout)
    with _pending_lock:
        return not _pending
