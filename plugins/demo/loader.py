"""Loading the sample organisation: the demo's sources through the ordinary sync runner.

Order matters only where the store's references do: the HR source brings the skills
framework that catalogue items point at, and the catalogue must be in before statements so
intake links each statement to its item and skills.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...core.runtime import Runtime
from ...core.store import checkpoints
from ...core.sync import SyncReport, run_provider, run_source
from .organisation import build_organisation
from .source import (
    DEFAULT_BATCH,
    DemoCalendarSource,
    DemoCatalogue,
    DemoHrSource,
    DemoLrsSource,
    DemoParameters,
)


class _Source(Protocol):
    name: str
    position: int

    def remaining(self, checkpoint: str | None) -> int: ...


Runner = Callable[..., SyncReport]


class ProgressFactory(Protocol):
    """Opens a progress display for one phase; the callable advances it by ``n`` units."""

    def __call__(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]: ...


@dataclass
class PhaseReport:
    label: str
    sync: SyncReport
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"phase": self.label, "seconds": round(self.seconds, 2), **self.sync.as_dict()}


@dataclass
class DemoLoadReport:
    params: DemoParameters
    phases: list[PhaseReport] = field(default_factory=list)
    seconds: float = 0.0

    def totals(self) -> dict[str, int]:
        out = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        for phase in self.phases:
            for key, value in phase.sync.report.totals().items():
                out[key] += value
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.params.as_dict(),
            "seconds": round(self.seconds, 2),
            "totals": self.totals(),
            "phases": [p.as_dict() for p in self.phases],
        }


def _no_progress(label: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda n: None)


def load_demo(
    runtime: Runtime,
    params: DemoParameters,
    *,
    full: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: ProgressFactory = _no_progress,
) -> DemoLoadReport:
    """Load (or resume loading) the sample organisation for ``params``.

    Without ``full`` each source resumes after its last stored batch, so a completed load
    sends nothing again; with ``full`` everything is sent again and intake's idempotent
    writes leave the store as it was. Raises :class:`~.source.DemoMismatch` before writing
    anything if the database holds a sample organisation generated from other parameters.
    """
    started = time.perf_counter()
    org = build_organisation(params.seed, params.learners)
    catalogue = DemoCatalogue()
    phases: list[tuple[str, _Source, Runner]] = [
        ("people and org chart", DemoHrSource(org, params, batch_size), run_source),
        ("learning library", catalogue, run_provider),
        ("learning history", DemoLrsSource(org, params, batch_size), run_source),
        ("calendars", DemoCalendarSource(org, params, batch_size), run_source),
    ]
    with runtime.db.connection() as conn:
        stored = [
            checkpoints.get(conn, source.name, "content" if source is catalogue else "")
            for _, source, _ in phases
        ]
    # Every checkpoint is checked before the first write, so a mismatch changes nothing.
    remaining = [source.remaining(cp) for (_, source, _), cp in zip(phases, stored, strict=True)]
    intake = runtime.intake()
    report = DemoLoadReport(params)
    for (label, source, runner), todo in zip(phases, remaining, strict=True):
        t0 = time.perf_counter()
        size = source.remaining(None)
        total = size if full else todo
        seen = size - total

        with progress(label, total) as advance:

            def step(_: int, source: _Source = source, advance=advance) -> None:
                nonlocal seen
                advance(source.position - seen)
                seen = source.position

            result = runner(runtime.db, intake, source, full=full, progress=step)
        report.phases.append(PhaseReport(label, result, time.perf_counter() - t0))
    report.seconds = time.perf_counter() - started
    return report
