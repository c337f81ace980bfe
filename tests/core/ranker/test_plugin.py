"""The ranking plugin: built-in signals and the scheduled refit of the learner model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from learnwire.core.ranker import plugin
from learnwire.core.ranker.builtin import BUILTIN_SIGNALS


def test_plugin_loads_from_entry_point_with_its_hooks(pm):
    info = {i.name: i for i in pm.plugin_list()}["ranking"]
    assert info.status == "loaded" and info.origin.startswith("entry point of learnwire")
    assert {"register_ranking_signals", "register_periodic_tasks"} <= set(info.hooks)


def test_plugin_signals_are_the_builtin_ones(runtime):
    names = {s.name for s in runtime.collect("register_ranking_signals")}
    assert {cls.name for cls in BUILTIN_SIGNALS} <= names


def test_plugin_refit_is_scheduled_daily_and_configurable(runtime, settings):
    tasks = {t.name: t for t in runtime.collect("register_periodic_tasks")}
    assert tasks["learner_model.fit"].every_seconds == 24 * 3600
    hourly = settings.model_copy(update={"plugins": {"ranking": {"fit_every_seconds": 3600}}})
    [task] = plugin.register_periodic_tasks(settings=hourly)
    assert task.name == "learner_model.fit" and task.every_seconds == 3600
    broken = settings.model_copy(update={"plugins": {"ranking": {"fit_every_seconds": 0}}})
    with pytest.raises(ValidationError, match="fit_every_seconds"):
        plugin.register_periodic_tasks(settings=broken)
