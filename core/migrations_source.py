"""Where a package keeps its versioned SQL migrations."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class MigrationSource(BaseModel):
    """``namespace`` scopes version numbers, so plugins never collide with the core."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    namespace: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    directory: Path
    order: int = Field(default=100, description="Namespaces apply in (order, name) order.")
