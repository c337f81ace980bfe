"""Measurement as a learnwire plugin (entry point ``outcomes``): the scheduled refresh of
the stored outcome report and the sweep of old snapshots.

The L&D outcome page serves the stored report (:mod:`.snapshots`); refreshing the default
one (the last :data:`~.snapshots.DEFAULT_DAYS` days per month, every role), and a few other
rolling-window ones people asked for, in the background keeps them current without anyone
waiting. Fixed windows are recomputed only when asked for (or after a policy change).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ... import hookimpl
from ..config import Settings
from ..governance import AccessDenied
from ..periodic import PeriodicTask
from ..runtime import in_runtime
from .refresh import compute_snapshot
from .snapshots import ReportKey, rolling_keys, sweep

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
    refresh_limit: int = Field(
        default=4,
        ge=0,
        le=100,
        description="Besides the default report, how many other stored rolling-window reports "
        "(another period or role) one refresh recomputes, the longest unrefreshed first.",
    )


def outcomes_settings(settings: Settings) -> OutcomesSettings:
    return settings.plugin_settings(PLUGIN_NAME, OutcomesSettings)


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    own = outcomes_settings(settings)
    return [
        PeriodicTask(
            name="outcomes.report_refresh",
            every_seconds=own.refresh_every_seconds,
            run=in_runtime(lambda runtime: refresh_reports(runtime, own)),
        ),
        PeriodicTask(
            name="outcomes.snapshot_sweep",
            every_seconds=own.sweep_every_seconds,
            run=in_runtime(lambda runtime: sweep_snapshots(runtime, own.keep_days)),
        ),
    ]


def refresh_reports(runtime: Any, own: OutcomesSettings) -> dict[str, Any]:
    """Recompute and store the default report, then up to ``own.refresh_limit`` other
    rolling-window reports not refreshed within the interval."""
    started = datetime.now(UTC)
    done = [_refresh(runtime, ReportKey())]
    if own.refresh_limit:
        cutoff = started - timedelta(seconds=own.refresh_every_seconds)
        with runtime.db.connection() as conn:
            others = rolling_keys(conn, cutoff, own.refresh_limit + 1)
        done += [_refresh(runtime, k) for k in others if k != ReportKey()][: own.refresh_limit]
    return {"reports": done, "stored": sum(1 for d in done if d["stored"])}


def _refresh(runtime: Any, key: ReportKey) -> dict[str, Any]:
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
