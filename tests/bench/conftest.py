"""Every bench/ script runs at a toy size inside the suite, so none can rot: each runs as a
subprocess, exactly as ``python bench/<script>.py`` would, against the test database
(LEARNWIRE_DATABASE_URL, emptied before the test), and must print its figures. The figures
themselves are not judged here: speed belongs in the benchmarks, not in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def run_bench(db, database_url: str, tmp_path: Path) -> Callable[..., str]:
    """``run_bench("policies.py", "--learners", "5")`` -> the script's standard output."""

    def run(script: str, *args: str, timeout: float = 300) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
        env.update(
            LEARNWIRE_DATABASE_URL=database_url,
            LEARNWIRE_DATA_DIR=str(tmp_path / "data"),
            LEARNWIRE_PSEUDONYM_KEY="bench-test-key",
            LEARNWIRE_SECRET_KEY="bench-test-secret",
        )
        done = subprocess.run(
            [sys.executable, str(BENCH / script), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout

    return run
