"""The Moodle plugin's hooks and settings."""

from __future__ import annotations

from learnwire.core.config import Settings
from learnwire.core.runtime import Runtime
from learnwire.plugins.moodle.settings import MoodleSettings


def test_moodle_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LEARNWIRE_PLUGINS__MOODLE__URL", "https://lms.example/")
    monkeypatch.setenv("LEARNWIRE_PLUGINS__MOODLE__TOKEN", "s3cret")
    monkeypatch.setenv("LEARNWIRE_PLUGINS__MOODLE__COURSE_IDS", "2,3")
    monkeypatch.setenv("LEARNWIRE_PLUGINS__MOODLE__USER_CRITERIA", '{"auth": "saml2"}')
    ms = Settings().plugin_settings("moodle", MoodleSettings)
    assert ms.configured and ms.site == "https://lms.example"
    assert ms.course_ids == [2, 3] and ms.user_criteria == {"auth": "saml2"}
    assert "s3cret" not in repr(ms)


def test_moodle_unconfigured_registers_nothing(settings, pm):
    runtime = Runtime(settings, pm=pm)
    assert not [s for s in runtime.collect("register_content_providers") if s.name == "moodle"]
    assert not [t for t in runtime.collect("register_periodic_tasks") if t.name == "sync.moodle"]


def test_moodle_configured_registers_source_provider_and_schedule(settings, pm):
    config = {"url": "https://lms.example", "token": "t", "sync_interval_seconds": 900}
    runtime = Runtime(settings.model_copy(update={"plugins": {"moodle": config}}), pm=pm)
    assert [s.name for s in runtime.collect("register_signal_sources")].count("moodle") == 1
    assert [p.name for p in runtime.collect("register_content_providers")] == ["moodle"]
    (task,) = [t for t in runtime.collect("register_periodic_tasks") if t.name == "sync.moodle"]
    assert task.every_seconds == 900
