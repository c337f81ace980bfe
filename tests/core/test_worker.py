"""A real Celery worker, started as `learnwire worker`, runs tasks sent through Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from learnwire.core.config import Settings
from learnwire.core.worker import make_celery


@pytest.fixture
def worker_env(database_url, redis_url, redis_client, tmp_path):
    env = dict(os.environ)
    env.update(
        LEARNWIRE_DATABASE_URL=database_url,
        LEARNWIRE_REDIS_URL=redis_url,
        LEARNWIRE_DATA_DIR=str(tmp_path),
    )
    return env


def test_worker_runs_a_task_sent_through_redis(worker_env, redis_url, tmp_path):
    learnwire = os.path.join(os.path.dirname(sys.executable), "learnwire")
    proc = subprocess.Popen(
        [
            learnwire,
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        app = make_celery(Settings(redis_url=redis_url, data_dir=tmp_path))
        result = app.send_task("learnwire.health")
        value = result.get(timeout=60)
        assert value["worker"] == "ok"
        assert value["database"]["server_version"] >= 150000
        assert value["database"]["pgvector"].startswith("0.8")
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "learnwire.health" in out, out[-2000:]


def test_worker_without_redis_runs_tasks_in_process(tmp_path, database_url):
    app = make_celery(Settings(data_dir=tmp_path, database_url=database_url))
    assert app.conf.task_always_eager
    # Eager mode runs the task inside delay(): its error surfaces right there.
    with pytest.raises(KeyError, match=r"no periodic task named 'no\.such\.task'"):
        app.tasks["learnwire.periodic"].delay("no.such.task")


def test_worker_command_explains_missing_broker(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env["LEARNWIRE_DATA_DIR"] = str(tmp_path)
    learnwire = os.path.join(os.path.dirname(sys.executable), "learnwire")
    done = subprocess.run(
        [learnwire, "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "set LEARNWIRE_REDIS_URL" in done.stderr


def test_worker_beat_starts_and_schedules_registered_tasks(worker_env, tmp_path):
    learnwire = os.path.join(os.path.dirname(sys.executable), "learnwire")
    log = tmp_path / "beat.log"
    # Output goes to a file polled with a deadline, so a slow start never blocks the test
    # and a beat that does not stop on SIGTERM is killed rather than left running.
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [learnwire, "beat", "--max-interval=1"],
            env=worker_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while "beat: Starting" not in log.read_text() and time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
    out = log.read_text()
    assert "beat: Starting" in out, out[-2000:]
    assert any(tmp_path.glob("celerybeat-schedule*"))
