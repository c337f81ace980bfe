"""Measurement as a learnwire plugin (entry point ``outcomes``): the scheduled refresh of
the stored outcome report and the sweep of old snapshots.

The L&D outcome page serves the stored report (:mod:`.snapshots`); refreshing the default
one (the last :data:`~.snapshots.DEFAULT_DAYS` days per month, every role) in the
background keeps it current without anyone waiting for it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ... import hookimpl
from ..config import Settings
from ..governance import AccessDenied
from ..periodic import PeriodicTask
from ..runtime import in_runtime
from .refresh import compute_snapshot
from .snapshots import ReportKey, sweep

PLUGIN_NAME = "outcomes"


class OutcomesSettings(BaseModel):
    """``LEARNWIRE_PLUGINS__OUTCOMES__<FIELD>``."""

    model_config = ConfigDict(extra="forbid")

    refresh_every_seconds: float = Field(
        default=6 * 3600, gt=0, description="How often the default outcome report is recomputed."
    )
    keep_days: float = Field(
        default=30, gt=0, description="Stored outcome reports older than this are deleted."
    )
    sweep_every_seconds: float = Field(default=3600, gt=0)


def outcomes_settings(settings: Settings) -> OutcomesSettings:
    return settings.plugin_settings(PLUGIN_NAME, OutcomesSettings)


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    own = outcomes_settings(settings)
    return [
        PeriodicTask(
            name="outcomes.report_refresh",
            every_seconds=own.refresh_every_seconds,
            run=in_runtime(refresh_default_report),
        ),
        PeriodicTask(
            name="outcomes.snapshot_sweep",
            every_seconds=own.sweep_every_seconds,
            run=in_runtime(lambda runtime: sweep_snapshots(runtime, own.keep_days)),
        ),
    ]


def refresh_default_report(runtime: Any) -> dict[str, Any]:
    """Recompute and store the default report."""
    key = ReportKey()
    try:
        snapshot = compute_snapshot(runtime.db, runtime.governance, key)
    except AccessDenied:
        # An organisation under k people (or a policy without the grant): nothing to store,
        # and the refusal is already audited.
        return {"report": key.text, "stored": False, "reason": "refused by policy"}
    if snapshot is None:
        return {"report": key.text, "stored": False, "reason": "being computed elsewhere"}
    return {
        "report": key.text,
        "stored": True,
        "people": snapshot.report.people,
        "policy_version": snapshot.policy_version,
    }


def sweep_snapshots(runtime: Any, keep_days: float) -> dict[str, Any]:
    with runtime.db.connection() as conn:
        return {"deleted": sweep(conn, keep_days)}
