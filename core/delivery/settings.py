"""Delivery's own settings: ``LEARNWIRE_PLUGINS__DELIVERY__<FIELD>`` (or ``[plugins.delivery]``
in the TOML file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import env_dict, env_list
from .channel import CADENCES, KINDS

PLUGIN_NAME = "delivery"


class DeliverySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_cadence: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            "digest": {"email": "daily", "lms": "daily"},
            "nudge": {"email": "immediate", "lms": "immediate"},
            # The LMS page asks the questions itself; e-mail asks on days without a digest.
            "survey": {"email": "daily"},
        },
        description="Per kind, per channel: the organisation's default cadence for people "
        "who have not chosen. Channels not listed are off. A person's own choice always wins.",
    )
    digest_items: int = Field(default=3, ge=1, le=10, description="Items in a digest.")
    max_per_day: int = Field(
        default=1, ge=1, le=10, description="Messages a person gets per local day, at most."
    )
    quiet_from: int = Field(default=20, ge=0, le=23, description="Quiet hours start (local).")
    quiet_to: int = Field(default=7, ge=0, le=23, description="Quiet hours end (local).")
    working_days: list[int] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], description="0 = Monday ... 6 = Sunday."
    )
    default_hour: int = Field(
        default=9, ge=0, le=23, description="Best hour assumed for a newcomer (local)."
    )
    prior_weight: float = Field(
        default=1.0,
        ge=0,
        description="How many observed sessions the newcomer default is worth. 1 was chosen on "
        "validation days of the sample organisation (bench/delivery.py), not on its test days.",
    )
    history_days: int = Field(
        default=56, ge=7, le=365, description="Rhythm is learned from this many days of activity."
    )
    run_every_seconds: float = Field(default=300, gt=0, description="Beat runs delivery.")
    claim_lease_seconds: float = Field(
        default=600,
        gt=0,
        description="A send claimed longer ago than this by a worker that never finished is "
        "marked unconfirmed, not resent (nobody gets a message twice).",
    )
    retry_base_seconds: float = Field(default=60, gt=0)
    max_attempts: int = Field(default=5, ge=1, le=20)
    templates_dir: Path | None = Field(
        default=None,
        description="The organisation's Jinja2 templates; a file here replaces the shipped "
        "one of the same name.",
    )
    link_days: int = Field(default=30, ge=1, description="Click and unsubscribe links last.")

    _lists = field_validator("working_days", mode="before")(env_list)
    _dicts = field_validator("default_cadence", mode="before")(env_dict)

    @model_validator(mode="after")
    def _known(self) -> DeliverySettings:
        for kind, channels in self.default_cadence.items():
            if kind not in KINDS:
                raise ValueError(f"default_cadence: unknown kind '{kind}' (expected {KINDS})")
            for channel, cadence in channels.items():
                if cadence not in CADENCES:
                    raise ValueError(
                        f"default_cadence.{kind}.{channel}: '{cadence}' is not one of {CADENCES}"
                    )
        if any(d not in range(7) for d in self.working_days):
            raise ValueError("working_days: days are 0 (Monday) to 6 (Sunday)")
        return self

    def cadence(self, kind: str, channel: str) -> str:
        return self.default_cadence.get(kind, {}).get(channel, "off")


def delivery_settings(settings: Any) -> DeliverySettings:
    return settings.plugin_settings(PLUGIN_NAME, DeliverySettings)
