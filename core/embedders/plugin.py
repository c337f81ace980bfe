"""Built-in embedding plugin: the ``minilm`` embedder, ``learnwire content embed`` and the
periodic job that embeds new and changed content.

Registered through the ``learnwire`` entry-point group like a third-party plugin. The
embedder hook is ``trylast`` so an installed plugin registering another ``minilm`` wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from learnwire import hookimpl

if TYPE_CHECKING:
    from learnwire.core.config import Settings
    from learnwire.core.embedding import Embedder
    from learnwire.core.periodic import PeriodicTask
    from learnwire.core.runtime import Runtime

PLUGIN_NAME = "minilm"
#: Edited items lose their embedding at once; catching up within minutes is enough, and a
#: run with nothing pending neither loads the model nor writes anything.
EMBED_EVERY_SECONDS = 300.0


@hookimpl(trylast=True)
def register_embedders(settings: Settings) -> list[Embedder]:
    from .minilm import MiniLMSettings, shared_embedder

    return [shared_embedder(settings.plugin_settings(PLUGIN_NAME, MiniLMSettings))]


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    from learnwire.core.periodic import PeriodicTask, in_runtime

    return [
        PeriodicTask(
            name="content.embed", every_seconds=EMBED_EVERY_SECONDS, run=in_runtime(embed_content)
        )
    ]


def embed_content(runtime: Runtime) -> dict[str, Any]:
    """Embed every live content item that has no embedding yet, with the active embedder."""
    from learnwire.core.embedding import active_embedder

    from .content import embed_pending

    return embed_pending(runtime.db, active_embedder(runtime)).as_dict()


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import content, embed

    group = cli.commands.get("content")
    if not isinstance(group, click.Group):
        # Another plugin may already own a ``content`` group: join it rather than replace it.
        group = content
        cli.add_command(content)
    group.add_command(embed)
