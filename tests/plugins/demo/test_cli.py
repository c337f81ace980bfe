"""`learnwire demo` as a user runs it: load, summary, rerun without duplicates, serve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import psutil

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")


def _env(tmp_path, database_url) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(
        LEARNWIRE_DATA_DIR=str(tmp_path),
        LEARNWIRE_DATABASE_URL=database_url,
        LEARNWIRE_PSEUDONYM_KEY="demo-test-key",
    )
    return env


def _demo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LEARNWIRE, "demo", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_demo_loads_prints_summary_and_reruns_without_duplicates(tmp_path, database_url, db):
    env = _env(tmp_path, database_url)
    first = _demo("--learners", "50", "--seed", "3", "--json", env=env)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    store = data["store"]
    assert data["load"]["totals"]["new"] > 0 and data["load"]["totals"]["rejected"] == 0
    assert store["learners"] == 50 and len(store["departments"]) == 10
    assert sum(r["learners"] for r in store["learners_per_role"]) == 50
    assert store["content_items"] >= 300 and len(store["content_by_format"]) == 4
    assert store["statements"] > 1000 and store["calendar_situations"] > 100
    assert "learning history" in first.stderr  # the progress bars go to stderr
    # The day's outbox as delivery would plan it, and one message rendered.
    assert "Delivery on 20" in first.stderr and "messages planned" in first.stderr
    assert "Subject: " in first.stderr

    again = _demo("--learners", "50", "--seed", "3", "--full", "--json", env=env)
    assert again.returncode == 0, again.stderr
    rerun = json.loads(again.stdout)
    assert rerun["load"]["totals"]["new"] == 0 and rerun["load"]["totals"]["updated"] == 0
    assert rerun["store"] == store

    human = _demo("--learners", "50", "--seed", "3", env=env)
    assert human.returncode == 0
    assert "10 departments" in human.stdout and "50 learners" in human.stdout
    assert "Software Engineer" in human.stdout and "content by format" in human.stdout

    other = _demo("--learners", "50", "--seed", "4", env=env)
    assert other.returncode == 2
    assert "generated with --seed 3 --learners 50" in other.stderr

    too_small = _demo("--learners", "10", env=env)
    assert too_small.returncode == 2 and "50<=x<=100000" in too_small.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serve_shows_the_organisation(tmp_path, database_url, db):
    port = _free_port()
    proc = subprocess.Popen(
        [LEARNWIRE, "demo", "--learners", "50", "--serve", "--port", str(port)],
        env=_env(tmp_path, database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    page = r.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
        assert "Organisation overview" in page and "50</strong> learners" in page
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "10 departments" in out and "learnwire serving on" in out


def _postgres_running_in(data_dir: Path) -> bool:
    needle = str(data_dir.resolve())
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and needle in " ".join(proc.info["cmdline"] or []):
            return True
    return False


def test_demo_serve_on_the_embedded_default_stops_cleanly_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env["LEARNWIRE_DATA_DIR"] = str(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [LEARNWIRE, "demo", "--learners", "50", "--serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert json.loads(r.read())["database"]["embedded"] is True
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
        assert _postgres_running_in(tmp_path)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _postgres_running_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not _postgres_running_in(tmp_path), "the embedded PostgreSQL was left running"


def test_demo_serve_without_the_pages_plugin_has_no_demo_sign_in(tmp_path, database_url, db):
    # The demo sign-in opens page sessions in the pages plugin's tables: without that plugin
    # (left out by the allow-list) the demo server must not offer it.
    env = _env(tmp_path, database_url)
    plugins = {ep.name for ep in metadata.entry_points(group="learnwire")} - {"pages"}
    env["LEARNWIRE_PLUGINS_ALLOW"] = ",".join(sorted(plugins))
    port = _free_port()
    proc = subprocess.Popen(
        [LEARNWIRE, "demo", "--learners", "50", "--serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    assert "Organisation overview" in r.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
        for path in ("/demo/sign-in", "/learning-admin"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
                status = 200
            except urllib.error.HTTPError as exc:
                status = exc.code
            assert status == 404, path
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
