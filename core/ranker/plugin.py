"""The learner model and ranker as a learnwire plugin (entry point ``ranking``): the
built-in ranking signals and the scheduled refit of the learner model.

``learnwire model fit`` runs the same refit by hand. Scheduled, it keeps what the model
learns from everyone current without an administrator: BKT parameters per skill, the answer
calibration, the practice curve, and, because those are model inputs, the shared team gaps
and co-occurrence that every process rebuilds when the model version moves.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ... import hookimpl
from ..config import Settings
from ..periodic import PeriodicTask
from ..runtime import in_runtime
from .builtin import register_ranking_signals

# Re-exported: pluggy registers the hook implementations it finds on this module.
__all__ = [
    "RankingSettings",
    "fit_learner_model",
    "register_periodic_tasks",
    "register_ranking_signals",
]

PLUGIN_NAME = "ranking"


class RankingSettings(BaseModel):
    """``LEARNWIRE_PLUGINS__RANKING__<FIELD>``."""

    model_config = ConfigDict(extra="forbid")

    fit_every_seconds: float = Field(
        default=24 * 3600,
        gt=0,
        description="How often the learner model is refitted from all assessment evidence.",
    )


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    own = settings.plugin_settings(PLUGIN_NAME, RankingSettings)
    return [
        PeriodicTask(
            name="learner_model.fit",
            every_seconds=own.fit_every_seconds,
            run=in_runtime(fit_learner_model),
        )
    ]


def fit_learner_model(runtime: Any) -> dict[str, Any]:
    """Fit BKT per skill over all assessment evidence, then calibrate the answers (which
    uses the fitted guess and slip), then fit the practice curve (how much items teach and
    how fast practice fades) from answers before and after practice; returns the reports."""
    from ..learner import gain_report
    from ..learner.calibration import calibrate_and_store
    from ..learner.mastery import assessment_responses, fit_and_store
    from .service import RecommendationService

    service = RecommendationService(runtime)
    # Two transactions, each short where it writes: a stored parameter bumps the one-row
    # model version (migration 0004), and a transaction that held that row through the
    # calibration's minute of reading would hold up every catalogue sync meanwhile.
    with runtime.db.connection() as conn:
        report = fit_and_store(conn, assessment_responses(conn)).as_dict()
    with runtime.db.connection() as conn:
        report["calibration"] = calibrate_and_store(conn, service).as_dict()
    # After the calibration: the practice curve's answers are read against calibrated
    # difficulty, with the guess and slip just fitted.
    with runtime.db.connection() as conn:
        report["practice_curve"] = gain_report.fit_and_store(conn, service.governance)
    return report
