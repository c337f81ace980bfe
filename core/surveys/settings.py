"""Micro-survey settings: ``LEARNWIRE_PLUGINS__SURVEYS__<FIELD>`` (or ``[plugins.surveys]``
in the TOML file)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PLUGIN_NAME = "surveys"


class SurveySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observation_horizon_days: int = Field(
        default=30,
        ge=7,
        le=365,
        description="Managers are asked whether their team applies a skill this many days "
        "after at least k of its members completed items on it (an experiment's outcome "
        "horizon is the natural value).",
    )
    questions_per_message: int = Field(
        default=2, ge=0, le=5, description="Survey questions a digest carries at most (0: none)."
    )


def survey_settings(settings: Any) -> SurveySettings:
    return settings.plugin_settings(PLUGIN_NAME, SurveySettings)
