"""Scheduled work a plugin contributes; the Celery app turns each into a beat entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from .config import Settings
    from .runtime import Runtime


class PeriodicTask(BaseModel):
    """``run(settings)`` does the work and returns counts to report (JSON-serialisable)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_.:-]*$")
    every_seconds: float = Field(gt=0)
    run: Callable[..., dict[str, Any]]


def in_runtime(job: Callable[[Runtime], dict[str, Any]]) -> Callable[[Settings], dict[str, Any]]:
    """``job(runtime)`` as a task's ``run(settings)``: each run opens a runtime of its own
    (database pool, plugins) and closes it, since a worker process outlives many runs."""

    def run(settings: Settings) -> dict[str, Any]:
        from .runtime import Runtime

        runtime = Runtime(settings)
        try:
            return job(runtime)
        finally:
            runtime.close()

    return run
