"""The xAPI plugin as the host sees it: entry point, hooks, commands and the scheduled pull."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

from learnwire.adapters.xapi import plugin
from learnwire.core.config import Settings
from learnwire.core.periodic import PeriodicTask

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
fake_lrs = __import__("fake_lrs")
sys.path.pop(0)


def _env(database_url, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(
        LEARNWIRE_DATABASE_URL=database_url,
        LEARNWIRE_DATA_DIR=str(tmp_path),
        LEARNWIRE_PUBLIC_URL="https://learn.example.com",
        **extra,
    )
    return env


def test_plugin_is_loaded_from_its_entry_point(pm):
    info = pm.infos["xapi"]
    assert info.status == "loaded"
    assert {"register_blueprints", "register_commands", "register_migrations"} <= set(info.hooks)


def test_plugin_credentials_create_gives_key_secret_endpoint(database_url, tmp_path, db, app):
    env = _env(database_url, tmp_path)
    done = subprocess.run(
        [LEARNWIRE, "xapi", "credentials", "create", "--source", "moodle-prod", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    issued = json.loads(done.stdout)
    assert issued["endpoint"] == "https://learn.example.com/xapi/"
    token = base64.b64encode(f"{issued['key']}:{issued['secret']}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    assert app.test_client().get("/xapi/statements", headers=headers).status_code == 200
    with db.connection() as conn:
        stored = conn.execute("SELECT secret_hash, source FROM xapi_credential").fetchone()
    assert stored[1] == "moodle-prod" and issued["secret"] not in stored[0]
    listed = subprocess.run(
        [LEARNWIRE, "xapi", "credentials", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert [c["key"] for c in json.loads(listed.stdout)] == [issued["key"]]
    bad = subprocess.run(
        [LEARNWIRE, "xapi", "credentials", "create", "--source", "Moodle Prod"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "lowercase" in bad.stderr


def test_plugin_schedules_a_pull_only_when_configured(database_url, tmp_path, db):
    plain = Settings(database_url=database_url, data_dir=tmp_path)
    assert plugin.register_periodic_tasks(settings=plain) == []
    statements = fake_lrs.make_statements(30)
    with fake_lrs.FakeLrs(statements) as lrs:
        configured = Settings(
            database_url=database_url,
            data_dir=tmp_path,
            pseudonym_key="test-pseudonym-key",
            plugins={
                "xapi": {
                    "pull_lrs": lrs.url,
                    "pull_key": fake_lrs.KEY,
                    "pull_secret": fake_lrs.SECRET,
                    "pull_source": "central-lrs",
                    "pull_every_seconds": 60,
                }
            },
        )
        [task] = plugin.register_periodic_tasks(settings=configured)
        assert isinstance(task, PeriodicTask) and task.every_seconds == 60
        result = task.run(configured)
    assert result["stored"] == 30 and result["source"] == "central-lrs"
    with db.connection() as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM learning_event WHERE source = 'central-lrs'"
            ).fetchone()[0]
            == 30
        )


def test_plugin_migrations_create_the_xapi_tables(db):
    with db.connection() as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'xapi_%'")
        }
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'learning_event'"
            )
        }
    assert tables == {"xapi_credential", "xapi_statement_digest"}
    assert {"xapi_event_source_stored", "xapi_event_verb_stored"} <= indexes


def test_plugin_credentials_create_works_on_a_fresh_database(pg_admin_url, tmp_path):
    import psycopg

    name = "lw_xapi_fresh_credentials"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        fresh = pg_admin_url.replace("@/postgres?", f"@/{name}?", 1)
        done = subprocess.run(
            [LEARNWIRE, "xapi", "credentials", "create", "--source", "moodle-prod", "--json"],
            env=_env(fresh, tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["source"] == "moodle-prod"
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
