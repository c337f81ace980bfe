"""The `learnwire` command as a user runs it: embedded default, JSON output, serve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(extra)
    return env


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LEARNWIRE, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def _postgres_running_in(data_dir: Path) -> bool:
    needle = str(data_dir.resolve())
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and needle in " ".join(proc.info["cmdline"] or []):
            return True
    return False


def test_root_db_upgrade_on_embedded_default_is_idempotent_and_stops_cleanly():
    data_dir = Path("/tmp") / f"lw-cli-{os.getpid()}"
    env = _env(LEARNWIRE_DATA_DIR=str(data_dir))
    first = run("db", "upgrade", "--json", env=env)
    assert first.returncode == 0, first.stderr
    body = json.loads(first.stdout)
    assert body["embedded"] is True
    assert "core/0001_foundation" in body["applied"]
    second = json.loads(run("db", "upgrade", "--json", env=env).stdout)
    assert second["applied"] == []
    assert not _postgres_running_in(data_dir), "the embedded server stops with the command"
    status = json.loads(run("db", "status", "--json", env=env).stdout)
    assert all(row["applied_at"] for row in status)


def test_root_config_show_masks_secrets(tmp_path):
    env = _env(
        LEARNWIRE_DATA_DIR=str(tmp_path),
        LEARNWIRE_DATABASE_URL="postgresql://lw:s3cret@db.example/lw",
        LEARNWIRE_ANTHROPIC_API_KEY="sk-ant-xyz",
    )
    done = run("config", "show", "--json", env=env)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["database_url"] == "postgresql://lw:********@db.example/lw"
    assert shown["anthropic_api_key"] == "********"
    assert "s3cret" not in done.stdout and "sk-ant" not in done.stdout


def test_root_plugins_list_shows_builtins(tmp_path, database_url):
    done = run(
        "plugins",
        "list",
        "--json",
        env=_env(LEARNWIRE_DATA_DIR=str(tmp_path), LEARNWIRE_DATABASE_URL=database_url),
    )
    assert done.returncode == 0, done.stderr
    rows = {r["name"]: r for r in json.loads(done.stdout)}
    for name in ("moodle", "workday", "calendar"):
        assert rows[name]["status"] == "loaded"
        assert rows[name]["origin"].startswith("entry point of learnwire")


def test_root_missing_pgvector_is_a_clear_error(tmp_path):
    # The machine's own PostgreSQL (when there is one) has no pgvector: exactly the case.
    url = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            has = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
            ).fetchone()
    except Exception:
        pytest.skip("no PostgreSQL without pgvector on 127.0.0.1:5432 to test against")
    if has:
        pytest.skip("the local PostgreSQL has pgvector")
    done = run(
        "db", "upgrade", env=_env(LEARNWIRE_DATA_DIR=str(tmp_path), LEARNWIRE_DATABASE_URL=url)
    )
    assert done.returncode == 2
    assert "pgvector extension is not installed" in done.stderr
    assert "Traceback" not in done.stderr


def test_root_unreachable_database_is_a_clear_error(tmp_path):
    done = run(
        "db",
        "upgrade",
        env=_env(
            LEARNWIRE_DATA_DIR=str(tmp_path),
            LEARNWIRE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
        ),
    )
    assert done.returncode == 2
    assert "cannot connect to LEARNWIRE_DATABASE_URL" in done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_root_serve_answers_healthz(tmp_path, database_url):
    port = _free_port()
    proc = subprocess.Popen(
        [LEARNWIRE, "serve", "--port", str(port)],
        env=_env(LEARNWIRE_DATA_DIR=str(tmp_path), LEARNWIRE_DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        assert body["status"] == "ok"
        assert body["database"]["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_root_help_everywhere(tmp_path):
    env = _env(LEARNWIRE_DATA_DIR=str(tmp_path))
    for args in (
        ["--help"],
        ["db", "--help"],
        ["db", "upgrade", "--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["beat", "--help"],
        ["plugins", "list", "--help"],
        ["config", "show", "--help"],
    ):
        done = run(*args, env=env)
        assert done.returncode == 0 and "Usage:" in done.stdout, args
