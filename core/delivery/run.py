"""``delivery run``: plan what is due now, store it in the outbox, and hand every due send to
a Celery task (with a broker) or send it in this process (the embedded default)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ..runtime import Runtime
from ..worker import make_celery
from . import asking, outbox
from .planner import Plan, Planner
from .sender import Sender

SEND_TASK = "learnwire.delivery.send"


@dataclass
class RunReport:
    at: datetime
    dry_run: bool
    plans: list[Plan] = field(default_factory=list)
    queued: int = 0
    expired: int = 0
    dispatched: int = 0
    results: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        skipped = Counter(p.skipped for p in self.plans if p.skipped)
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "planned": sum(1 for p in self.plans if not p.skipped),
            "queued": self.queued,
            "skipped": dict(skipped),
            "unconfirmed": self.expired,
            "dispatched": self.dispatched,
            "results": dict(self.results),
        }


def plan_and_queue(
    runtime: Runtime,
    sender: Sender,
    *,
    at: datetime,
    dry_run: bool = False,
    learners: list[UUID] | None = None,
) -> RunReport:
    report = RunReport(at, dry_run)
    planner = Planner(
        sender.settings,
        list(sender.channels.values()),
        sender.governance,
        survey_waiting=asking.waiting_for(runtime),
    )
    with runtime.db.connection() as conn:
        report.plans = planner.plan(conn, at=at, learners=learners)
        if not dry_run:
            report.queued = outbox.enqueue(conn, report.plans)
    return report


def run(
    runtime: Runtime,
    *,
    at: datetime | None = None,
    dry_run: bool = False,
    sender: Sender | None = None,
    learners: list[UUID] | None = None,
) -> RunReport:
    """Plan and queue today's messages, then send what is due at ``at`` (default: now)."""
    at = at or datetime.now(UTC)
    sender = sender or Sender(runtime)
    report = plan_and_queue(runtime, sender, at=at, dry_run=dry_run, learners=learners)
    if dry_run:
        return report
    with runtime.db.connection() as conn:
        report.expired = outbox.expire_claims(
            conn, now=datetime.now(UTC), lease_seconds=sender.settings.claim_lease_seconds
        )
        due = outbox.due(conn, at=at)
    report.dispatched = len(due)
    if runtime.settings.redis_url is None:
        for send_id in due:
            report.results[sender.send(send_id, now=at) or "taken"] += 1
    else:
        app = make_celery(runtime.settings)
        for send_id in due:
            app.send_task(SEND_TASK, args=(send_id, at.isoformat()))
        report.results["queued to workers"] = len(due)
    return report
