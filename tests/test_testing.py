"""learnwire.testing, the pytest plugin for plugin authors, used here as they would use it
(it is installed with learnwire through the ``pytest11`` entry point)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learnwire.core.runtime import Runtime
from learnwire.testing import CLOCK_START, FakeClock


@pytest.fixture(scope="session")
def learnwire_database_url(database_url: str) -> str:
    # Reuse this suite's embedded server instead of starting a second one.
    return database_url


def test_testing_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    assert clock() == CLOCK_START == clock.now()
    assert clock.advance(hours=2) == CLOCK_START + timedelta(hours=2)
    assert clock.advance(timedelta(minutes=5)) == CLOCK_START + timedelta(hours=2, minutes=5)
    clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    assert clock() == datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(hours=-1)
    with pytest.raises(ValueError, match="aware datetime"):
        FakeClock(datetime(2026, 1, 1))


@pytest.mark.learnwire_plugins("calendar")
def test_testing_runtime_loads_only_the_plugins_under_test(learnwire_runtime: Runtime) -> None:
    infos = {i.name: i.status for i in learnwire_runtime.pm.plugin_list()}
    # The policy engine always loads: without governance learnwire takes in no data.
    assert infos["calendar"] == "loaded" and infos["policies"] == "loaded"
    others = {status for name, status in infos.items() if name not in ("calendar", "policies")}
    assert others == {"skipped"}


def test_testing_without_plugins_named_only_the_policy_engine_loads(
    learnwire_runtime: Runtime,
) -> None:
    loaded = [i.name for i in learnwire_runtime.pm.plugin_list() if i.status == "loaded"]
    assert loaded == ["policies"]


@pytest.mark.learnwire_plugins("calendar")
def test_testing_runtime_factory_passes_plugin_settings_and_uses_an_empty_store(
    learnwire_runtime_factory,
) -> None:  # type: ignore[no-untyped-def]
    runtime = learnwire_runtime_factory(
        plugins={
            "calendar": {"feeds": [{"name": "a", "url": "https://x/a.ics", "owner": "a@x.org"}]}
        }
    )
    assert [s.name for s in runtime.collect("register_signal_sources")] == ["calendar"]
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM schema_migration").fetchone()[0] > 0


def test_testing_empty_store_names_a_transaction_left_open_instead_of_waiting(db) -> None:
    import psycopg

    from learnwire.testing import empty_store

    with psycopg.connect(db.url) as leaked:
        leaked.execute("LOCK TABLE learning_event IN ACCESS SHARE MODE")
        with pytest.raises(RuntimeError, match="left a transaction open") as refused:
            empty_store(db, lock_wait_s=1)
        assert "LOCK TABLE learning_event" in str(refused.value)
    empty_store(db, lock_wait_s=1)  # the lock gone, the store empties
