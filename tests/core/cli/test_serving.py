"""`learnwire serve --processes N`: workers sharing one port, supervised and stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int, proc: subprocess.Popen[str], within: float = 60) -> dict:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.3)


def _workers(proc: subprocess.Popen[str], count: int, within: float = 30) -> list[int]:
    deadline = time.monotonic() + within
    while True:
        found = [c.pid for c in psutil.Process(proc.pid).children() if c.status() != "zombie"]
        if len(found) == count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_serve_processes_share_the_port_replace_a_dead_worker_and_stop_together(
    tmp_path, database_url
):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(LEARNWIRE_DATA_DIR=str(tmp_path), LEARNWIRE_DATABASE_URL=database_url)
    proc = subprocess.Popen(
        [LEARNWIRE, "serve", "--port", str(port), "--processes", "2", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _healthy(port, proc)["database"]["status"] == "ok"
        workers = _workers(proc, 2)
        assert len(workers) == 2, workers
        # Both workers accept on the one socket: the parent binds it, no worker binds its own.
        parent_listens = {
            c.laddr.port for c in psutil.Process(proc.pid).net_connections() if c.status == "LISTEN"
        }
        assert port in parent_listens

        os.kill(workers[0], signal.SIGKILL)
        time.sleep(0.5)
        replaced = _workers(proc, 2)
        assert len(replaced) == 2 and workers[0] not in replaced, replaced
        for _ in range(20):
            assert _healthy(port, proc)["status"] == "ok"

        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, output
        assert "worker" in output and "starting a replacement" in output
        assert not any(psutil.pid_exists(pid) for pid in replaced), "workers outlive the server"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def test_serve_refuses_zero_processes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(LEARNWIRE_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [LEARNWIRE, "serve", "--processes", "0"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "--processes" in done.stderr and "0" in done.stderr
