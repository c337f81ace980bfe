"""The built-in embedding plugin: entry point, embedder selection, CLI and periodic job."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from learnwire import hookimpl
from learnwire.core.embedders.active import active_embedder
from learnwire.core.embedders.minilm import MiniLMEmbedder
from learnwire.core.embedding import Embedder
from learnwire.core.errors import ConfigurationError
from learnwire.core.models import ContentItem
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.store.catalogue import upsert_content


class Constant(Embedder):
    """A stand-in for a hosted-API embedder an organisation would install."""

    dimension = 384

    def __init__(self, name: str) -> None:
        self.name = name

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [[1.0] + [0.0] * 383 for _ in texts]


class HostedPlugin:
    def __init__(self, *names: str) -> None:
        self.names = names

    @hookimpl
    def register_embedders(self, settings):
        return [Constant(n) for n in self.names]


def _add_items(db, count: int = 3) -> None:
    with db.connection() as conn:
        upsert_content(
            conn,
            [
                ContentItem(
                    provider="lib",
                    external_id=f"item-{n}",
                    title=f"Running effective one-to-one meetings, part {n}",
                    format="video",
                    duration_minutes=5,
                    launch_url=f"https://lms.example/{n}",
                )
                for n in range(count)
            ],
        )


def _pending(db) -> int:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM content_item WHERE embedding IS NULL").fetchone()[
            0
        ]


def test_plugin_minilm_is_a_builtin_entry_point_plugin(pm):
    info = pm.infos["minilm"]
    assert info.status == "loaded"
    assert info.module == "learnwire.core.embedders.plugin"
    assert {"register_embedders", "register_commands", "register_periodic_tasks"} <= set(info.hooks)


def test_plugin_active_embedder_defaults_to_minilm(runtime):
    embedder = active_embedder(runtime)
    assert isinstance(embedder, MiniLMEmbedder)
    assert (embedder.name, embedder.dimension) == ("minilm", 384)
    # One model per process, however often the hook is called.
    assert active_embedder(runtime) is embedder


def test_plugin_active_embedder_follows_the_setting(settings, db):
    chosen = settings.model_copy(update={"embedder": "hosted"})
    pm = get_plugin_manager(chosen, extra_plugins=[("hosted", HostedPlugin("hosted"))])
    embedder = active_embedder(Runtime(chosen, pm=pm, db=db))
    assert isinstance(embedder, Constant) and embedder.name == "hosted"


def test_plugin_installed_embedder_overrides_the_builtin_of_the_same_name(settings, db):
    pm = get_plugin_manager(settings, extra_plugins=[("mine", HostedPlugin("minilm"))])
    assert isinstance(active_embedder(Runtime(settings, pm=pm, db=db)), Constant)


def test_plugin_unknown_embedder_name_is_a_configuration_error(settings, db):
    chosen = settings.model_copy(update={"embedder": "openai"})
    runtime = Runtime(chosen, pm=get_plugin_manager(chosen), db=db)
    with pytest.raises(ConfigurationError, match=r"'openai'.*available: minilm"):
        active_embedder(runtime)


def _cli(pm) -> click.Group:
    @click.group()
    def root() -> None:
        pass

    pm.call_each("register_commands", cli=root)
    return root


def test_plugin_cli_content_embed_reports_json_and_is_idempotent(runtime, db):
    _add_items(db)
    root = _cli(runtime.pm)
    first = CliRunner().invoke(root, ["content", "embed", "--json"], obj=runtime)
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert (report["embedder"], report["embedded"], report["pending"]) == ("minilm", 3, 0)
    assert _pending(db) == 0
    again = CliRunner().invoke(root, ["content", "embed"], obj=runtime)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("embedded 0 item(s) with minilm")


def test_plugin_cli_joins_an_existing_content_group(runtime):
    @click.group()
    def root() -> None:
        pass

    @root.group()
    def content() -> None:
        pass

    @content.command()
    def sync() -> None:
        pass

    runtime.pm.call_each("register_commands", cli=root)
    # Other installed plugins (the catalogue's import, say) may add to the group too.
    assert {"sync", "embed"} <= set(root.commands["content"].commands)


def test_plugin_periodic_task_embeds_pending_content(runtime, settings, db):
    [task] = [t for t in runtime.collect("register_periodic_tasks") if t.name == "content.embed"]
    _add_items(db, 2)
    result = task.run(settings)
    assert (result["embedded"], result["pending"]) == (2, 0)
    assert _pending(db) == 0
    assert task.run(settings)["embedded"] == 0
