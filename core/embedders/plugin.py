"""Built-in embedding plugin: the ``minilm`` embedder, ``learnwire content embed`` and the
periodic job that embeds new and changed content.

Registered through the ``learnwire`` entry-point group like a third-party plugin. The
embedder hook is ``trylast`` so an installed plugin registering another ``minilm`` wins.
"""

from __future__ import annotations

import click

from ... import hookimpl
from ..config import Settings
from ..embedding import Embedder
from ..periodic import PeriodicTask
from ..runtime import in_runtime
from .active import embed_content
from .cli import content, embed
from .minilm import MiniLMSettings, shared_embedder

PLUGIN_NAME = "minilm"
#: Edited items lose their embedding at once; catching up within minutes is enough, and a
#: run with nothing pending neither loads the model nor writes anything.
EMBED_EVERY_SECONDS = 300.0


@hookimpl(trylast=True)
def register_embedders(settings: Settings) -> list[Embedder]:
    return [shared_embedder(settings.plugin_settings(PLUGIN_NAME, MiniLMSettings))]


@hookimpl
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    return [
        PeriodicTask(
            name="content.embed", every_seconds=EMBED_EVERY_SECONDS, run=in_runtime(embed_content)
        )
    ]


@hookimpl
def register_commands(cli: click.Group) -> None:
    group = cli.commands.get("content")
    if not isinstance(group, click.Group):
        # Another plugin may already own a ``content`` group: join it rather than replace it.
        group = content
        cli.add_command(content)
    group.add_command(embed)
