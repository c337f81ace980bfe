"""Scheduled work a plugin contributes; the Celery app turns each into a beat entry.

A task that needs the database and plugins wraps its job with
:func:`learnwire.core.runtime.in_runtime`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PeriodicTask(BaseModel):
    """``run(settings)`` does the work and returns counts to report (JSON-serialisable);
    ``in_runtime`` tasks also take ``runtime=`` (the embedded default's in-process runs)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_.:-]*$")
    every_seconds: float = Field(gt=0)
    run: Callable[..., dict[str, Any]]
