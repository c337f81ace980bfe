"""docs/plugins.md stays true: its code compiles, and its worked example, assembled from
the guide's own listings on top of `learnwire plugins new jira`, installs and passes its
test against a fake Jira. (Hook signatures are checked by tests/core/test_hooks.py.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
BIN = Path(sys.executable).parent
FILE_BLOCK = re.compile(r"<!-- file: (\S+) -->\n```python\n(.*?)```", re.S)


@pytest.fixture
def scratch_database_url(pg_admin_url: str) -> Iterator[str]:
    """An empty database on this session's server for the child test run, which migrates
    and wipes it (learnwire.testing honours LEARNWIRE_TESTING_DATABASE_URL): this saves
    the child starting an embedded server of its own. Dropped afterwards."""
    name = f"lw_guide_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_admin_url.replace("@/postgres?", f"@/{name}?", 1)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)


def test_plugins_guide_python_blocks_compile() -> None:
    blocks = _python_blocks()
    assert len(blocks) > 10
    for number, block in enumerate(blocks):
        code = textwrap.dedent(block)
        if re.fullmatch(r"def \w+\(.*\) -> .*:\n", code, re.S):
            code += "    ...\n"  # a hook signature in the reference
        compile(code, f"docs/plugins.md block {number}", "exec")


def test_plugins_guide_worked_example_installs_and_passes_its_test(
    tmp_path: Path, scratch_database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    package = tmp_path / "learnwire-jira"
    run = subprocess.run
    made = run(
        [str(BIN / "learnwire"), "plugins", "new", "jira", "--directory", str(package)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    files = FILE_BLOCK.findall(GUIDE.read_text())
    assert [name for name, _ in files] == [
        "learnwire_jira/settings.py",
        "learnwire_jira/client.py",
        "learnwire_jira/source.py",
        "learnwire_jira/plugin.py",
        "tests/test_source.py",
    ]
    for name, code in files:
        (package / name).write_text(code)

    site = tmp_path / "site"
    installed = run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(package),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    tested = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"],
        cwd=package,
        env={
            **env,
            "PYTHONPATH": str(site),
            "LEARNWIRE_TESTING_DATABASE_URL": scratch_database_url,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]
    assert "1 passed" in tested.stdout
