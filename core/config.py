"""Effective configuration: ``LEARNWIRE_*`` environment variables over an optional TOML file.

The TOML file is named by ``LEARNWIRE_CONFIG`` (or ``--config`` on the CLI). Nested values use
``__`` in environment variables, so ``LEARNWIRE_PLUGINS__MOODLE__URL`` sets
``plugins.moodle.url``.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .errors import ConfigurationError

CONFIG_ENV = "LEARNWIRE_CONFIG"
_T = TypeVar("_T", bound=BaseModel)


def env_list(value: Any) -> Any:
    """A list given in an environment variable: JSON (``["a", "b"]``) or ``a,b``.

    Settings and plugins' own settings models use it as a ``mode="before"`` validator.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def env_dict(value: Any) -> Any:
    """A mapping given in an environment variable as JSON (empty: no entries)."""
    if isinstance(value, str):
        return json.loads(value) if value.strip() else {}
    return value


class Settings(BaseSettings):
    """Everything learnwire reads from its environment. Secrets are ``SecretStr``."""

    model_config = SettingsConfigDict(
        env_prefix="LEARNWIRE_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL 15+ with pgvector. Unset: learnwire runs its own embedded server.",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="Celery broker and result backend. Unset: tasks run in process.",
    )
    data_dir: Path = Field(
        default=Path(".learnwire"),
        description="Where the embedded database, keys and generated secrets live.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Key for pseudonymising identifiers; generated into data_dir when unset.",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Flask session key; generated into data_dir when unset."
    )
    audit_key: SecretStr | None = Field(
        default=None,
        description="Key of the audit log's MACs, kept outside the database; generated into "
        "data_dir when unset (set it when several hosts write one audit log).",
    )
    db_pool_min: int = Field(default=1, ge=0)
    db_pool_max: int = Field(default=8, ge=1)
    db_pool_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a request waits for a database connection before a 503.",
    )
    plugins_allow: list[str] | None = Field(
        default=None,
        description="Only these plugins load (comma-separated or JSON list); unset: all.",
    )
    plugins: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-plugin settings, keyed by plugin name."
    )
    policy_dir: Path | None = Field(
        default=None, description="Directory of policy documents; unset: the shipped defaults."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL the LMS and browsers use to reach this tool.",
    )
    max_request_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (bytes); larger ones get 413 before "
        "they are read.",
    )
    embedder: str = Field(
        default="minilm",
        description="Name of the registered embedder for content and learner needs.",
    )
    ranking_weights: dict[str, float] = Field(
        default_factory=dict,
        description="Weight per ranking signal name; unset signals use their default weight.",
    )
    ranking_diversity: float = Field(
        default=0.7, ge=0, le=1, description="MMR trade-off: 1 = pure relevance."
    )
    ranking_exploration_share: float = Field(
        default=0.2, ge=0, le=0.5, description="Share of stretch items from adjacent skills."
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None,
        description="Enables contextual reranking with Claude; unset: the ranker alone decides.",
    )
    anthropic_base_url: str | None = None
    anthropic_model: str = Field(
        default="claude-sonnet-5-5", description="Claude model used for contextual reranking."
    )
    anthropic_daily_token_budget: int = Field(
        default=200_000,
        ge=0,
        description="Input plus output tokens Claude may use per UTC day; 0 stops all calls.",
    )
    anthropic_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a recommendation waits for Claude before ranking without it.",
    )

    _allow_list = field_validator("plugins_allow", mode="before")(env_list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_path = os.environ.get(CONFIG_ENV)
        if config_path:
            path = Path(config_path)
            if not path.is_file():
                raise ConfigurationError(f"{CONFIG_ENV}={config_path}: no such file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    # -- derived values -------------------------------------------------------------------

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir.resolve()

    def key_dir(self) -> Path:
        """Where generated keys live: ``data_dir/keys``, mode 0700, apart from everything a
        user names by path (policy directories, exports), so no such path can reach them."""
        path = self.ensure_data_dir() / "keys"
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)
        return path

    def generated_secret(self, name: str) -> str:
        """A secret kept in the key directory so the embedded default survives restarts."""
        keys = self.key_dir()
        path = keys / f"{name}.key"
        legacy = self.data_dir / f"{name}.key"  # where keys lived before they had a directory
        if not path.exists() and legacy.is_file() and not legacy.is_symlink():
            os.replace(legacy, path)
        if not path.exists():
            # Written whole under a private name, then linked: no other process ever reads a
            # half-written key, and the first of two racing writers wins.
            scratch = keys / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(scratch, path)
            except FileExistsError:
                pass
            finally:
                scratch.unlink()
        if path.is_symlink():
            raise ConfigurationError(f"{path} is a symbolic link; a key must be a plain file")
        path.chmod(0o600)
        return path.read_text().strip()

    def pseudonym_secret(self) -> bytes:
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode()
        return self.generated_secret("pseudonym").encode()

    def flask_secret(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return self.generated_secret("flask")

    def plugin_settings(self, name: str, model: type[_T]) -> _T:
        """Build a plugin's own settings model from ``plugins.<name>`` (TOML or env)."""
        return model.model_validate(self.plugins.get(name, {}))

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain data with every secret masked."""
        data = self.model_dump(mode="json")
        for key, value in list(data.items()):
            field = getattr(self, key)
            if isinstance(field, SecretStr):
                secret = field.get_secret_value()
                data[key] = mask_url(secret) if "://" in secret else "********"
            elif value is None:
                data[key] = None
        data["plugins"] = {
            name: {k: _mask_plugin_value(k, v) for k, v in values.items()}
            for name, values in self.plugins.items()
        }
        return data


_SECRET_WORDS = ("secret", "password", "token", "key")


def _mask_plugin_value(key: str, value: Any) -> Any:
    """Mask secrets at any depth: plugin settings nest (lists of accounts with passwords),
    and lists or tables given in an environment variable arrive as a JSON string."""
    if any(word in key.lower() for word in _SECRET_WORDS):
        return "********"
    if isinstance(value, str) and value.lstrip().startswith(("[", "{")):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _mask_plugin_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_plugin_value(key, item) for item in value]
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value


def mask_url(url: str) -> str:
    """Hide the password of a URL, keeping the rest readable."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@")
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
