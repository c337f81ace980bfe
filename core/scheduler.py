"""The embedded default's scheduler: with no broker (``LEARNWIRE_REDIS_URL`` unset) there is
no Celery beat, so ``learnwire serve`` runs the registered periodic tasks itself, on one
daemon thread, with the serving runtime.

Each task first runs one interval after start-up (a restart loop must not turn into a burst
of model fits and deliveries), then every ``every_seconds``. A task that raises is logged by
its exception type (never its message, which may quote data) and runs again at its next
turn. Only tasks built with :func:`learnwire.core.runtime.in_runtime` can share the serving
runtime; any other is left to a worker and named once in the log.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .periodic import PeriodicTask
from .runtime import Runtime

log = logging.getLogger(__name__)


def shares_runtime(task: PeriodicTask) -> bool:
    """Whether ``task.run`` accepts the serving runtime (``in_runtime`` tasks do)."""
    try:
        return "runtime" in inspect.signature(task.run).parameters
    except (TypeError, ValueError):
        return False


class InProcessScheduler:
    def __init__(
        self,
        runtime: Runtime,
        tasks: list[PeriodicTask],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        self.tasks = [t for t in tasks if shares_runtime(t)]
        for task in tasks:
            if task not in self.tasks:
                log.warning(
                    "periodic task %s cannot share the server's runtime; it runs only under "
                    "a Celery beat (set LEARNWIRE_REDIS_URL and run 'learnwire beat')",
                    task.name,
                )
        self.clock = clock
        self.runs: dict[str, int] = {t.name: 0 for t in self.tasks}
        self.failures: dict[str, int] = {t.name: 0 for t in self.tasks}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.tasks or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="learnwire-scheduler", daemon=True)
        self._thread.start()
        log.info("in-process scheduler: %s", ", ".join(t.name for t in self.tasks))

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        start = self.clock()
        due = {t.name: start + t.every_seconds for t in self.tasks}
        while not self._stop.is_set():
            now = self.clock()
            for task in self.tasks:
                if due[task.name] <= now and not self._stop.is_set():
                    self._run(task)
                    # From when it finished: a slow run never queues up behind itself.
                    due[task.name] = self.clock() + task.every_seconds
            self._stop.wait(max(0.0, min(due.values()) - self.clock()))

    def _run(self, task: PeriodicTask) -> None:
        try:
            result: Any = task.run(self.runtime.settings, runtime=self.runtime)
            self.runs[task.name] += 1
            log.info("periodic task %s: %s", task.name, result)
        except Exception as exc:
            self.failures[task.name] += 1
            log.error("periodic task %s failed: %s", task.name, type(exc).__name__)
