"""Contract for embedders: text to fixed-size vectors for content and learner needs.

The one in use is chosen by :func:`learnwire.core.embedders.active.active_embedder`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class Embedder(ABC):
    #: Unique name, e.g. ``"minilm"``; the configured embedder is chosen by it.
    name: str
    #: Vector length; the store's embedding column is sized to the active embedder.
    dimension: int

    @abstractmethod
    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit-length vector per text, in order."""
