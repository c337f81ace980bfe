"""The sample organisation is a plugin like any other: entry point, command, sources."""

from __future__ import annotations

from datetime import date

from learnwire.core.runtime import Runtime
from learnwire.core.sync import sync_all
from learnwire.plugins.demo.loader import load_demo
from learnwire.plugins.demo.source import DemoParameters
from learnwire.plugins.demo.summary import demo_summary

CONFIG = {"enabled": True, "seed": 5, "learners": 50, "today": "2026-11-20"}


def test_plugin_loads_from_its_entry_point_with_its_hooks(pm):
    info = pm.infos["demo"]
    assert info.status == "loaded" and info.module == "learnwire.plugins.demo.plugin"
    assert {"register_commands", "register_signal_sources", "register_content_providers"} <= set(
        info.hooks
    )


def test_plugin_unconfigured_offers_no_sources(runtime):
    names = {s.name for s in runtime.collect("register_signal_sources")}
    names |= {p.name for p in runtime.collect("register_content_providers")}
    assert not {n for n in names if n.startswith("demo")}


def test_plugin_sources_sync_like_any_other_and_match_the_demo_command(settings, pm, db):
    configured = settings.model_copy(update={"plugins": {"demo": CONFIG}})
    runtime = Runtime(configured, pm=pm, db=db)
    reports = sync_all(runtime)
    demo = [r for r in reports if r.source.startswith("demo")]
    assert len(demo) == 4 and not any(r.error for r in demo)
    assert sum(len(r.report.rejected) for r in demo) == 0
    synced = demo_summary(db)
    assert synced["learners"] == 50 and synced["statements"] > 1000

    # `learnwire demo` with the same parameters finds everything already there.
    params = DemoParameters(seed=5, learners=50, today=date(2026, 11, 20))
    loaded = load_demo(runtime, params, full=True)
    assert loaded.totals()["new"] == 0 and loaded.totals()["rejected"] == 0
    assert demo_summary(db) == synced
