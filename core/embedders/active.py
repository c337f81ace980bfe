"""Which registered embedder is in use (the one the ``embedder`` setting names), and the job
that embeds pending content with it."""

from __future__ import annotations

from typing import Any

from ..embedding import Embedder
from ..errors import ConfigurationError
from ..runtime import Runtime
from .content import embed_pending


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


def embed_content(runtime: Runtime) -> dict[str, Any]:
    """Embed every live content item that has no embedding yet, with the active embedder."""
    return embed_pending(runtime.db, active_embedder(runtime)).as_dict()
