"""Running a source: pull batches, pass each through intake, record its checkpoint.

Each batch commits with its checkpoint in one transaction, so a sync killed mid-way resumes
after the last stored batch without duplicates or gaps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .errors import LearnwireError, NotFound
from .intake import Intake, IntakeReport
from .periodic import PeriodicTask
from .runtime import Runtime, in_runtime
from .sources import ContentProvider, SignalSource
from .store import Database, catalogue, checkpoints

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class SyncReport:
    source: str
    report: IntakeReport = field(default_factory=IntakeReport)
    batches: int = 0
    error: str | None = None
    kind: str = "signals"  # "signals" for a SignalSource, "content" for a ContentProvider

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
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
    result = SyncReport(provider.name, kind="content")
    stream = "content"
    seen: set[str] = set()
    with db.connection() as conn:
        checkpoint = None if full else checkpoints.get(conn, provider.name, stream)
    for batch in provider.pull(checkpoint=checkpoint, full=full):
        seen.update(item.external_id for item in batch.items)
        with db.connection() as conn, conn.transaction():
            result.report.merge(intake.store_content(conn, batch, provider=provider.name))
            if batch.checkpoint is not None:
                checkpoints.put(conn, provider.name, batch.checkpoint, stream)
        result.batches += 1
        if progress is not None:
            progress(1)
    if provider.lists_everything:
        # Only reached when the pull ended normally, so a failed listing retires nothing.
        with db.connection() as conn, conn.transaction():
            retired = catalogue.retire_missing(conn, provider.name, sorted(seen))
        result.report.count("content").updated += retired
    return result


class SyncListener:
    """Hears about a multi-source sync as it goes (the CLI draws its progress bar from it)."""

    def started(self, name: str, kind: str) -> None:
        """``name`` (a ``kind`` of "content" or "signals") starts."""

    def batch(self, name: str, kind: str, batches: int) -> None:
        """Another batch of ``name`` is stored; ``batches`` so far."""

    def finished(self, report: SyncReport) -> None:
        """``name`` is done, successfully or with ``report.error`` set."""


def sync_all(
    runtime: Runtime,
    *,
    only: str | None = None,
    full: bool = False,
    listener: SyncListener | None = None,
) -> list[SyncReport]:
    """Sync every registered content provider, then every signal source (or only those
    named ``only``), each isolated: one that raises is reported with its error and the
    others still run.

    Content goes first so the events of the same run link to the items they are about.

    :raises NotFound: ``only`` names no registered source or provider.
    """
    listener = listener or SyncListener()
    providers = runtime.collect("register_content_providers", expect=ContentProvider)
    sources = runtime.collect("register_signal_sources", expect=SignalSource)
    intake = runtime.intake()
    # Each job is called with progress=...; partial binds its own provider or source.
    jobs: list[tuple[str, str, Callable[..., SyncReport]]] = [
        (p.name, "content", partial(run_provider, runtime.db, intake, p, full=full))
        for p in providers
    ]
    jobs += [
        (s.name, "signals", partial(run_source, runtime.db, intake, s, full=full)) for s in sources
    ]
    if only is not None:
        known = sorted({name for name, _, _ in jobs})
        jobs = [job for job in jobs if job[0] == only]
        if not jobs:
            raise NotFound(
                f"no source or content provider named '{only}'; registered: "
                + (", ".join(known) or "none (is the plugin configured?)")
            )
    reports = []
    for name, kind, run in jobs:
        listener.started(name, kind)
        counter = _BatchCounter(listener, name, kind)
        try:
            report = run(progress=counter)
        except Exception as exc:  # isolate: a broken source must never block the others
            log.warning("sync of %s (%s) failed", name, kind, exc_info=True)
            report = SyncReport(name, kind=kind, batches=counter.batches, error=_describe(exc))
        reports.append(report)
        listener.finished(report)
    return reports


def periodic_sync(name: str, every_seconds: float) -> PeriodicTask:
    """A Celery beat entry ``sync.<name>`` that syncs the sources named ``name``."""

    def run(runtime: Runtime) -> dict[str, Any]:
        return {"reports": [r.as_dict() for r in sync_all(runtime, only=name)]}

    return PeriodicTask(name=f"sync.{name}", every_seconds=every_seconds, run=in_runtime(run))


class _BatchCounter:
    def __init__(self, listener: SyncListener, name: str, kind: str) -> None:
        self.listener, self.name, self.kind, self.batches = listener, name, kind, 0

    def __call__(self, steps: int) -> None:
        self.batches += steps
        self.listener.batch(self.name, self.kind, self.batches)


def _describe(exc: Exception) -> str:
    if isinstance(exc, LearnwireError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
