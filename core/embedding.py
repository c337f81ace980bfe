"""Contract for embedders: text to fixed-size vectors for content and learner needs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .runtime import Runtime


class Embedder(ABC):
    #: Unique name, e.g. ``"minilm"``; the configured embedder is chosen by it.
    name: str
    #: Vector length; the store's embedding column is sized to the active embedder.
    dimension: int

    @abstractmethod
    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit-length vector per text, in order."""


def active_embedder(runtime: Runtime) -> Embedder:
    """The registered embedder named by the ``embedder`` setting (``LEARNWIRE_EMBEDDER``).

    When several plugins register the same name, the one pluggy would call first wins, so an
    installed plugin overrides a ``trylast`` built-in. Raises ConfigurationError when no
    registered embedder has that name.
    """
    wanted = runtime.settings.embedder
    by_name: dict[str, Embedder] = {}
    # collect() lists implementations in ascending priority: later entries override.
    for embedder in runtime.collect("register_embedders", expect=Embedder):
        by_name[embedder.name] = embedder
    if wanted not in by_name:
        available = ", ".join(sorted(by_name)) or "none"
        raise ConfigurationError(
            f"no embedder named {wanted!r} is registered (available: {available}); set "
            "LEARNWIRE_EMBEDDER to one of them or install the plugin that provides it"
        )
    return by_name[wanted]
