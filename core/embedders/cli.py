"""``learnwire content embed``: fill in missing content embeddings now."""

from __future__ import annotations

from typing import Any

import click

from ..cli.output import emit, json_option
from ..cli.root import pass_runtime
from ..runtime import Runtime
from .active import embed_content


@click.group()
def content() -> None:
    """The content catalogue."""


@click.command()
@json_option
@pass_runtime
def embed(runtime: Runtime, as_json: bool) -> None:
    """Embed new and changed content items (those without an embedding)."""

    def human(d: dict[str, Any]) -> None:
        click.echo(
            f"embedded {d['embedded']} item(s) with {d['embedder']} in {d['seconds']} s; "
            f"{d['pending']} pending"
        )

    emit(embed_content(runtime), as_json, human)
