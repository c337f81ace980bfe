"""Settings from environment and TOML, with secrets masked when shown."""

from __future__ import annotations

import pytest

from learnwire.core.config import Settings, mask_url
from learnwire.core.errors import ConfigurationError


def test_config_reads_prefixed_env_and_nested_plugin_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("LEARNWIRE_REDIS_URL", "redis://:hunter2@cache:6379/0")
    monkeypatch.setenv("LEARNWIRE_PLUGINS__MOODLE__URL", "https://lms.example")
    monkeypatch.setenv("LEARNWIRE_PLUGINS__MOODLE__TOKEN", "abc123")
    monkeypatch.setenv("LEARNWIRE_PLUGINS_ALLOW", "moodle, workday")
    settings = Settings(data_dir=tmp_path)
    assert settings.plugins["moodle"] == {"url": "https://lms.example", "token": "abc123"}
    assert settings.plugins_allow == ["moodle", "workday"]
    shown = settings.masked()
    assert shown["redis_url"] == "redis://:********@cache:6379/0"
    assert shown["plugins"]["moodle"]["token"] == "********"
    assert "hunter2" not in repr(settings)


def test_config_toml_file_under_env(monkeypatch, tmp_path):
    config = tmp_path / "learnwire.toml"
    config.write_text('public_url = "https://learn.example"\n[plugins.workday]\ntenant = "acme"\n')
    monkeypatch.setenv("LEARNWIRE_CONFIG", str(config))
    monkeypatch.setenv("LEARNWIRE_PUBLIC_URL", "https://env.example")
    settings = Settings(data_dir=tmp_path)
    assert settings.public_url == "https://env.example"
    assert settings.plugins["workday"] == {"tenant": "acme"}


def test_config_missing_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("LEARNWIRE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigurationError, match=r"nope\.toml: no such file"):
        Settings()


def test_config_rejects_unknown_keys(tmp_path):
    with pytest.raises(ValueError, match="databse_url"):
        Settings(data_dir=tmp_path, databse_url="postgresql://x")


def test_config_generated_secrets_persist(tmp_path):
    first = Settings(data_dir=tmp_path).pseudonym_secret()
    assert Settings(data_dir=tmp_path).pseudonym_secret() == first
    assert (tmp_path / "keys" / "pseudonym.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700


def test_config_mask_url_keeps_url_without_password():
    assert mask_url("postgresql://db/learnwire") == "postgresql://db/learnwire"


def test_config_keys_from_before_the_key_directory_move_into_it(tmp_path):
    (tmp_path / "flask.key").write_text("a" * 64)
    (tmp_path / "flask.key").chmod(0o644)
    assert Settings(data_dir=tmp_path).flask_secret() == "a" * 64, "sessions survive the move"
    assert not (tmp_path / "flask.key").exists()
    assert (tmp_path / "keys" / "flask.key").stat().st_mode & 0o777 == 0o600
