"""The plugin manager: entry-point discovery, allow-list, misspelt hooks, isolation."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.sources import SignalSource


def _install_throwaway_distribution(root: Path, name: str, module_source: str) -> None:
    """A real distribution on sys.path: a module plus a dist-info with an entry point."""
    (root / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = root / f"{name}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[learnwire]\n{name} = {name}\n")
    (info / "RECORD").write_text("")


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for mod in [m for m in sys.modules if m.startswith("lwtest_")]:
        del sys.modules[mod]


def test_plugins_builtins_load_through_entry_points(settings):
    pm = get_plugin_manager(settings)
    infos = {i.name: i for i in pm.plugin_list()}
    for name in ("moodle", "workday", "calendar", "catalogue"):
        assert infos[name].status == "loaded", infos[name]
        assert infos[name].origin.startswith("entry point of learnwire")


def test_plugins_discovers_installed_distribution_and_calls_its_hooks(site, settings):
    _install_throwaway_distribution(
        site,
        "lwtest_jira",
        """
        from learnwire import hookimpl
        from learnwire.core.sources import SignalSource

        class JiraSource(SignalSource):
            name = "jira"
            def pull(self, *, checkpoint, full=False):
                return iter(())

        @hookimpl
        def register_signal_sources(settings):
            return [JiraSource()]
        """,
    )
    pm = get_plugin_manager(settings)
    info = {i.name: i for i in pm.plugin_list()}["lwtest_jira"]
    assert info.status == "loaded"
    assert info.origin == "entry point of lwtest_jira 1.2.3"
    assert info.hooks == ["register_signal_sources"]
    sources = pm.collect("register_signal_sources", expect=SignalSource, settings=settings)
    assert [s.name for s in sources] == ["jira"]


def test_plugins_import_failure_is_isolated(site, settings):
    _install_throwaway_distribution(site, "lwtest_broken", "import does_not_exist_anywhere\n")
    pm = get_plugin_manager(settings)
    infos = {i.name: i for i in pm.plugin_list()}
    assert infos["lwtest_broken"].status == "disabled"
    assert "failed to import" in infos["lwtest_broken"].reason
    assert infos["moodle"].status == "loaded"


def test_plugins_raising_hook_is_disabled_and_host_keeps_running(settings, caplog):
    class Good:
        @hookimpl
        def register_signal_sources(self, settings):
            return []

    class Raises:
        @hookimpl
        def register_signal_sources(self, settings):
            raise RuntimeError("tenant unreachable")

    pm = get_plugin_manager(
        settings, load_entry_points=False, extra_plugins=[("good", Good()), ("bad", Raises())]
    )
    assert pm.collect("register_signal_sources", settings=settings) == []
    infos = {i.name: i for i in pm.plugin_list()}
    assert infos["bad"].status == "disabled"
    assert "tenant unreachable" in infos["bad"].reason
    assert infos["good"].status == "loaded"
    assert "plugin bad disabled" in caplog.text
    assert pm.get_plugin("bad") is None


def test_plugins_contract_breach_is_disabled(settings):
    class WrongType:
        @hookimpl
        def register_signal_sources(self, settings):
            return ["not a source"]

    pm = get_plugin_manager(
        settings, load_entry_points=False, extra_plugins=[("wrong", WrongType())]
    )
    assert pm.collect("register_signal_sources", expect=SignalSource, settings=settings) == []
    assert "expected SignalSource" in pm.infos["wrong"].reason


def test_plugins_unknown_hook_name_is_rejected_at_start(settings):
    class Misspelt:
        @hookimpl
        def register_signal_source(self, settings):  # missing trailing "s"
            return []

    pm = get_plugin_manager(settings, load_entry_points=False, extra_plugins=[("typo", Misspelt())])
    info = pm.infos["typo"]
    assert info.status == "disabled"
    assert "did you mean 'register_signal_sources'" in info.reason
    assert pm.get_plugin("typo") is None


def test_plugins_allow_list_skips_others(database_url, tmp_path):
    settings = Settings(database_url=database_url, data_dir=tmp_path, plugins_allow="moodle")
    pm = get_plugin_manager(settings)
    infos = {i.name: i for i in pm.plugin_list()}
    assert infos["moodle"].status == "loaded"
    assert infos["workday"].status == "skipped"
    assert "LEARNWIRE_PLUGINS_ALLOW" in infos["workday"].reason
    assert pm.get_plugin("workday") is None
