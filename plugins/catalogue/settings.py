"""The catalogue plugin's settings: ``[plugins.catalogue]`` in the configuration file.

Files listed here are synced like any content provider (``learnwire sync``); files imported
by hand with ``learnwire content import`` need no entry.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ...core.config import Settings
from .tagging import DEFAULT_CALIBRATION, Calibration


class CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,63}$", description="Provider name.")
    path: Path
    base_url: str | None = Field(
        default=None, description="Where a package's relative launch URLs are served."
    )


class CatalogueSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: list[CatalogueFile] = Field(default_factory=list)
    calibration: Path | None = Field(
        default=None, description="Tagging calibration file; default: the shipped one."
    )
    apply_threshold: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="Confidence at which machine tags apply; default: the calibration's.",
    )
    flag_limit: int = Field(
        default=3, ge=1, description="Learner flags that send an applied tag back to review."
    )
    tag_every_seconds: float = Field(default=3600, gt=0)
    claude_verification: bool = Field(
        default=False,
        description="Ask Claude to confirm or deny machine tags (needs an Anthropic API key "
        "and the policy's 'anthropic_tagging' processor); a denied tag waits for review.",
    )
    verify_items_per_run: int = Field(default=50, ge=1, le=10_000)

    def tagging(self) -> tuple[Calibration, float, int]:
        """The calibration, the apply threshold and the flag limit in force."""
        calibration = Calibration.load(self.calibration or DEFAULT_CALIBRATION)
        threshold = self.apply_threshold or calibration.apply_threshold
        return calibration, threshold, self.flag_limit


def catalogue_settings(settings: Settings) -> CatalogueSettings:
    return settings.plugin_settings("catalogue", CatalogueSettings)
