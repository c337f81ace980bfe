"""Running a source: pull batches, pass each through intake, record its checkpoint.

Each batch commits with its checkpoint in one transaction, so a sync killed mid-way resumes
after the last stored batch without duplicates or gaps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .intake import Intake, IntakeReport
from .sources import ContentProvider, SignalSource
from .store import Database, checkpoints

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class SyncReport:
    source: str
    report: IntakeReport = field(default_factory=IntakeReport)
    batches: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "batches": self.batches,
            "error": self.error,
            **self.report.as_dict(),
        }


def run_source(
    db: Database,
    intake: Intake,
    source: SignalSource,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    result = SyncReport(source.name)
    with db.connection() as conn:
        checkpoint = None if full else checkpoints.get(conn, source.name)
    for batch in source.pull(checkpoint=checkpoint, full=full):
        with db.connection() as conn, conn.transaction():
            result.report.merge(
                intake.store(conn, batch, source=source.name, categories=source.categories or None)
            )
            if batch.checkpoint is not None:
                checkpoints.put(conn, source.name, batch.checkpoint)
        result.batches += 1
        if progress is not None:
            progress(1)
    return result


def run_provider(
    db: Database,
    intake: Intake,
    provider: ContentProvider,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    result = SyncReport(provider.name)
    stream = "content"
    with db.connection() as conn:
        checkpoint = None if full else checkpoints.get(conn, provider.name, stream)
    for batch in provider.pull(checkpoint=checkpoint, full=full):
        with db.connection() as conn, conn.transaction():
            result.report.merge(intake.store_content(conn, batch, provider=provider.name))
            if batch.checkpoint is not None:
                checkpoints.put(conn, provider.name, batch.checkpoint, stream)
        result.batches += 1
        if progress is not None:
            progress(1)
    return result
