"""The catalogue plugin's settings: ``[plugins.catalogue]`` in the configuration file.

Files listed here are synced like any content provider (``learnwire sync``); files imported
by hand with ``learnwire content import`` need no entry.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


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
