"""Every hook is documented with its exact signature and has a test_hook_<name> that shows
the host calling it and using the result."""

from __future__ import annotations

import ast
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click
import flask
from click.testing import CliRunner

from learnwire import hookimpl
from learnwire.core import hookspecs
from learnwire.core.cli.root import cli as root_cli
from learnwire.core.embedding import Embedder
from learnwire.core.intake import IntakeGuard, Rejection
from learnwire.core.migrations_source import MigrationSource
from learnwire.core.models import DataCategory, IdentityRef, LearningEvent
from learnwire.core.periodic import PeriodicTask
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.ranker.signals import RankingSignal
from learnwire.core.ranker.variants import RankingVariant, VariantResolver, resolve
from learnwire.core.runtime import Runtime
from learnwire.core.sources import ContentBatch, ContentProvider, SignalSource, SourceBatch
from learnwire.core.store import migrations as migration_runner
from learnwire.core.sync import run_provider, run_source
from learnwire.core.web.app import create_app
from learnwire.core.worker import make_celery
from learnwire.policies import plugin as policies_plugin
from learnwire.policies.engine import PolicyEngine
from learnwire.policies.governance import PolicyGovernance

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def _spec_signatures() -> dict[str, str]:
    tree = ast.parse((ROOT / "core" / "hookspecs.py").read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in hookspecs.HOOK_NAMES:
            args = ", ".join(f"{a.arg}: {ast.unparse(a.annotation)}" for a in node.args.args)
            out[node.name] = f"def {node.name}({args}) -> {ast.unparse(node.returns)}:"
    return out


def test_every_hook_is_documented_with_its_exact_signature():
    docs = (ROOT / "docs" / "plugins.md").read_text()
    documented = {
        " ".join(m.split()) for m in re.findall(r"^def \w+\([^)]*\) -> [^\n]*:$", docs, re.M)
    }
    specs = _spec_signatures()
    assert set(specs) == set(hookspecs.HOOK_NAMES)
    missing = [sig for sig in specs.values() if sig not in documented]
    assert not missing, f"docs/plugins.md lacks these exact hook signatures: {missing}"


def test_every_hook_has_a_test():
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_hook_\w+)\(", path.read_text(), re.M))
    missing = [h for h in hookspecs.HOOK_NAMES if f"test_hook_{h}" not in names]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"


def _pm(settings, plugin):
    # Every runtime needs governance: the policy engine, then the plugin under test.
    plugins = [("policies", policies_plugin), ("p", plugin)]
    return get_plugin_manager(settings, load_entry_points=False, extra_plugins=plugins)


def _event(n: int) -> LearningEvent:
    return LearningEvent(
        statement_id=uuid.UUID(int=n),
        subject=IdentityRef(kind="jira", value="u1"),
        source="jira",
        data_category=DataCategory.BEHAVIOURAL,
        occurred_at=T0,
        verb="http://adlnet.gov/expapi/verbs/experienced",
        object_id="https://jira/x",
    )


class _JiraSource(SignalSource):
    name = "jira"
    categories = frozenset({DataCategory.BEHAVIOURAL})

    def pull(self, *, checkpoint, full=False):
        start = 0 if full or checkpoint is None else int(checkpoint)
        for n in range(start, 3):
            yield SourceBatch(events=[_event(n + 1)], checkpoint=str(n + 1))


def test_hook_register_signal_sources(settings, db):
    class Plugin:
        @hookimpl
        def register_signal_sources(self, settings):
            return [_JiraSource()]

    runtime = Runtime(settings, pm=_pm(settings, Plugin()), db=db)
    [source] = runtime.collect("register_signal_sources", expect=SignalSource)
    first = run_source(runtime.db, runtime.intake(), source)
    again = run_source(runtime.db, runtime.intake(), source)
    assert first.report.count("events").new == 3 and first.batches == 3
    assert again.batches == 0, "the stored checkpoint means nothing is pulled twice"


def test_hook_register_content_providers(settings, db):
    class Catalogue(ContentProvider):
        name = "videos"

        def pull(self, *, checkpoint, full=False):
            yield ContentBatch(
                items=[
                    {
                        "provider": "videos",
                        "external_id": "v1",
                        "title": "Coaching basics",
                        "format": "video",
                        "duration_minutes": 6,
                        "launch_url": "https://videos.example/v1",
                    }
                ]
            )

    class Plugin:
        @hookimpl
        def register_content_providers(self, settings):
            return [Catalogue()]

    runtime = Runtime(settings, pm=_pm(settings, Plugin()), db=db)
    [provider] = runtime.collect("register_content_providers", expect=ContentProvider)
    report = run_provider(runtime.db, runtime.intake(), provider)
    assert report.report.count("content").new == 1


def test_hook_register_governance(settings, db):
    class Quarantine(PolicyGovernance):
        """The policy engine's governance, with an intake guard that keeps nothing."""

        def intake_guard(self):
            class KeepNothing(IntakeGuard):
                def screen(self, conn, batch, *, source):
                    refused = [
                        Rejection("events", i, "quarantined") for i in range(len(batch.events))
                    ]
                    return batch.model_copy(update={"events": []}), refused

            return KeepNothing()

    class Plugin:
        @hookimpl
        def register_governance(self, settings, db):
            return Quarantine(PolicyEngine.from_settings(settings, db))

    # The policies plugin is trylast: the installed governance is asked first and wins.
    runtime = Runtime(settings, pm=_pm(settings, Plugin()), db=db)
    assert isinstance(runtime.governance, Quarantine)
    report = run_source(runtime.db, runtime.intake(), _JiraSource())
    assert [r.reason for r in report.report.rejected] == ["quarantined"] * 3
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learning_event").fetchone()[0] == 0


def test_hook_register_intake_guards(settings, db):
    class DropAll(IntakeGuard):
        def screen(self, conn, batch, *, source):
            refused = [Rejection("events", i, "guard says no") for i in range(len(batch.events))]
            return batch.model_copy(update={"events": []}), refused

    class Plugin:
        @hookimpl
        def register_intake_guards(self, settings):
            return [DropAll()]

    runtime = Runtime(settings, pm=_pm(settings, Plugin()), db=db)
    report = run_source(runtime.db, runtime.intake(), _JiraSource())
    assert [r.reason for r in report.report.rejected] == ["guard says no"] * 3
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learning_event").fetchone()[0] == 0


def test_hook_register_ranking_signals(settings):
    class Shortness(RankingSignal):
        name = "shortness"

        def score(self, *, view, candidates):
            return [1 / (1 + c) for c in candidates]

    class Plugin:
        @hookimpl
        def register_ranking_signals(self, settings):
            return [Shortness()]

    [signal] = _pm(settings, Plugin()).collect(
        "register_ranking_signals", expect=RankingSignal, settings=settings
    )
    assert signal.score(view=None, candidates=[0, 1, 3]) == [1.0, 0.5, 0.25]


def test_hook_register_ranking_variants(settings, db):
    someone = uuid.uuid4()

    class Everyone(VariantResolver):
        def variants(self, conn, learner_ids, at):
            return {i: RankingVariant("without", "calendar", "test") for i in learner_ids}

    class Plugin:
        @hookimpl
        def register_ranking_variants(self, settings):
            return [Everyone()]

    resolvers = _pm(settings, Plugin()).collect(
        "register_ranking_variants", expect=VariantResolver, settings=settings
    )
    with db.connection() as conn:
        found = resolve(resolvers, conn, [someone], datetime.now(UTC))
    assert found == {someone: RankingVariant("without", "calendar", "test")}


def test_hook_register_embedders(settings):
    class Letters(Embedder):
        name = "letters"
        dimension = 2

        def embed(self, texts):
            return [[1.0, 0.0] if t.startswith("a") else [0.0, 1.0] for t in texts]

    class Plugin:
        @hookimpl
        def register_embedders(self, settings):
            return [Letters()]

    pm = _pm(settings, Plugin())
    [embedder] = pm.collect("register_embedders", expect=Embedder, settings=settings)
    assert embedder.embed(["apple", "pear"]) == [[1.0, 0.0], [0.0, 1.0]]


def test_hook_register_blueprints(settings, db):
    bp = flask.Blueprint("hello", __name__, url_prefix="/hello")
    bp.get("/")(lambda: {"hello": "world"})

    class Plugin:
        @hookimpl
        def register_blueprints(self, settings):
            return [bp]

    app = create_app(Runtime(settings, pm=_pm(settings, Plugin()), db=db))
    assert app.test_client().get("/hello/").get_json() == {"hello": "world"}


def test_hook_register_commands(settings):
    group = click.Group("lw", commands=dict(root_cli.commands))

    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            @cli.command()
            def greet():
                click.echo("hello from a plugin")

    _pm(settings, Plugin()).call_each("register_commands", cli=group)
    result = CliRunner().invoke(group, ["greet"])
    assert result.output == "hello from a plugin\n"


def test_hook_register_migrations(settings, db, tmp_path):
    (tmp_path / "0001_badges.sql").write_text("CREATE TABLE test_badge (id int PRIMARY KEY);")

    class Plugin:
        @hookimpl
        def register_migrations(self):
            return [MigrationSource(namespace="badges", directory=tmp_path)]

    sources = _pm(settings, Plugin()).collect("register_migrations", expect=MigrationSource)
    try:
        applied = migration_runner.upgrade(db, sources)
        assert [(m.namespace, m.version) for m in applied] == [("badges", 1)]
        assert migration_runner.upgrade(db, sources) == []
    finally:
        with db.connection() as conn:
            conn.execute("DROP TABLE IF EXISTS test_badge")
            conn.execute("DELETE FROM schema_migration WHERE namespace = 'badges'")


def test_hook_register_periodic_tasks(settings):
    runs = []

    class Plugin:
        @hookimpl
        def register_periodic_tasks(self, settings):
            return [
                PeriodicTask(
                    name="jira.sync", every_seconds=900, run=lambda s: runs.append(s) or {"new": 0}
                )
            ]

    tasks = _pm(settings, Plugin()).collect(
        "register_periodic_tasks", expect=PeriodicTask, settings=settings
    )
    app = make_celery(settings, tasks)
    assert app.conf.beat_schedule["jira.sync"]["schedule"] == 900
    assert app.conf.beat_schedule["jira.sync"]["args"] == ("jira.sync",)
    [jira] = [t for t in tasks if t.name == "jira.sync"]
    assert jira.run(settings) == {"new": 0} and runs == [settings]
