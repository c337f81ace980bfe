"""The embedded default's in-process scheduler runs periodic tasks with the serving runtime."""

from __future__ import annotations

import threading
from typing import Any

from learnwire.core.periodic import PeriodicTask
from learnwire.core.runtime import Runtime, in_runtime
from learnwire.core.scheduler import InProcessScheduler, shares_runtime


def test_scheduler_runs_tasks_with_the_serving_runtime_and_survives_failures(runtime: Runtime):
    seen: list[int] = []
    ran = threading.Event()

    def count(rt: Runtime) -> dict[str, Any]:
        # The serving runtime's database answers, and stays open after the run.
        with rt.db.connection() as conn:
            seen.append(conn.execute("SELECT 1").fetchone()[0])
        if len(seen) >= 3:
            ran.set()
        return {"n": len(seen)}

    def broken(rt: Runtime) -> dict[str, Any]:
        raise RuntimeError("secret-looking message that must not be logged")

    tasks = [
        PeriodicTask(name="test.count", every_seconds=0.05, run=in_runtime(count)),
        PeriodicTask(name="test.broken", every_seconds=0.05, run=in_runtime(broken)),
    ]
    scheduler = InProcessScheduler(runtime, tasks)
    scheduler.start()
    try:
        assert ran.wait(10), "the task never ran three times"
    finally:
        scheduler.stop()
    assert seen[:3] == [1, 1, 1]
    assert scheduler.failures["test.broken"] >= 1 and scheduler.runs["test.count"] >= 3
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_scheduler_waits_one_interval_before_the_first_run(runtime: Runtime):
    calls: list[str] = []
    task = PeriodicTask(
        name="test.slow", every_seconds=3600, run=in_runtime(lambda rt: calls.append("x") or {})
    )
    scheduler = InProcessScheduler(runtime, [task])
    scheduler.start()
    scheduler.stop()
    assert calls == []


def test_scheduler_leaves_tasks_that_open_their_own_runtime_to_a_worker(runtime: Runtime, caplog):
    def own(settings: Any) -> dict[str, Any]:
        return {}

    task = PeriodicTask(name="test.own", every_seconds=1, run=own)
    assert not shares_runtime(task)
    scheduler = InProcessScheduler(runtime, [task])
    assert scheduler.tasks == []
    assert "test.own" in caplog.text and "learnwire beat" in caplog.text


def test_scheduler_every_built_in_task_shares_the_runtime(runtime: Runtime):
    tasks = runtime.collect("register_periodic_tasks")
    assert {"delivery.run", "content.embed", "policies.retention_sweep"} <= {t.name for t in tasks}
    assert all(shares_runtime(t) for t in tasks), [t.name for t in tasks if not shares_runtime(t)]
