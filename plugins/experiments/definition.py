"""An experiment as an L&D admin defines it (YAML/JSON file, CLI options or the API).

Validated with pydantic at the boundary; a bad definition is refused with the field named.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from learnwire.core.errors import ValidationFailed

from .metrics import METRICS

Stratum = Literal["role", "seniority", "baseline_skill"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_SERVE = re.compile(r"^(learnwire|segmentation|without:[a-z][a-z0-9_]{0,62})$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Population(_Model):
    """Who takes part: people with one of ``roles`` (job profile ids; empty: any role) in one
    of ``units`` (organisation unit external ids; empty: any unit), from ``start``."""

    roles: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    start: datetime

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-12-01T00:00:00Z")
        if not 2000 <= value.year <= 2200:
            raise ValueError("expected a start between the years 2000 and 2200")
        return value


class Arm(_Model):
    """One arm: its ``name`` and what its people are served: ``learnwire`` (the full
    ranking), ``segmentation`` (the role's curriculum in a fixed order) or
    ``without:<signal family>`` (learnwire without that family)."""

    name: str
    serve: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("use lower-case letters, digits, '-' or '_' (at most 63)")
        return value

    @field_validator("serve")
    @classmethod
    def _serve(cls, value: str) -> str:
        if not _SERVE.match(value):
            raise ValueError(
                "expected 'learnwire', 'segmentation' or 'without:<signal family>', e.g. "
                "'without:calendar'"
            )
        return value

    @property
    def family(self) -> str | None:
        return self.serve.split(":", 1)[1] if self.serve.startswith("without:") else None


class PrimaryOutcome(_Model):
    """The one pre-registered outcome and when it is read (days after the start)."""

    metric: str
    horizon_days: int = Field(ge=7, le=365)

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown outcome; expected one of: {', '.join(sorted(METRICS))}")
        return value

    @model_validator(mode="after")
    def _horizon(self) -> PrimaryOutcome:
        allowed = METRICS[self.metric].horizons
        if allowed and self.horizon_days not in allowed:
            days = ", ".join(map(str, allowed))
            raise ValueError(f"horizon_days: {self.metric} is read at {days} days")
        return self


class ExperimentDefinition(_Model):
    id: str
    title: str = Field(min_length=1, max_length=200)
    population: Population
    arms: tuple[Arm, ...] = Field(min_length=2, max_length=4)
    #: The arm the others are compared with (default: the segmentation arm, else the first).
    control: str | None = None
    randomisation: Literal["stratified", "matched"] = "stratified"
    strata: tuple[Stratum, ...] = ("role", "seniority", "baseline_skill")
    primary_outcome: PrimaryOutcome
    #: The same learning time for every arm, in minutes per week.
    weekly_minutes: float = Field(gt=0, le=600)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    power: float = Field(default=0.8, gt=0.5, lt=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("use lower-case letters, digits, '-' or '_' (at most 63)")
        return value

    @model_validator(mode="after")
    def _arms(self) -> ExperimentDefinition:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError("arms: every arm needs its own name")
        if self.control is not None and self.control not in names:
            raise ValueError(f"control: '{self.control}' is not an arm ({', '.join(names)})")
        return self

    @property
    def control_arm(self) -> str:
        if self.control:
            return self.control
        return next((a.name for a in self.arms if a.serve == "segmentation"), self.arms[0].name)

    def arm(self, name: str) -> Arm:
        return next(a for a in self.arms if a.name == name)


def parse(data: Any) -> ExperimentDefinition:
    """A validated definition, or :class:`ValidationFailed` naming the first bad field."""
    try:
        return ExperimentDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "definition"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'definition'}: {e['msg']}"
            for e in exc.errors()
        )
        raise ValidationFailed(f"invalid experiment definition: {problems}", field=where) from exc
