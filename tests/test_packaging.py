"""Packaging: one `learnwire` namespace, every package listed, nothing named `core` installed."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_PACKAGED = {"tests", "bench", "docs", ".venv", "build", ".ci"}


def _declared_packages() -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return {p.strip() for p in config["options"]["packages"].split() if p.strip()}


def _package_dirs() -> set[str]:
    found = {"learnwire"}
    for init in ROOT.rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT)
        if rel.parts and (rel.parts[0] in NOT_PACKAGED or rel.parts[0].startswith(".")):
            continue
        if rel.parts:
            found.add("learnwire." + ".".join(rel.parts))
    return found


def test_packaging_every_package_is_declared():
    missing = sorted(_package_dirs() - _declared_packages())
    assert not missing, f"add these to setup.cfg [options] packages: {missing}"


def test_packaging_wheel_installs_only_the_learnwire_namespace(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = tmp_path.glob("learnwire-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"learnwire", next(t for t in top if t.endswith(".dist-info"))}
    assert "learnwire/core/store/migrations/0001_foundation.sql" in names
    assert not any(n.startswith(("learnwire/tests/", "learnwire/bench/")) for n in names)
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "learnwire = learnwire.core.cli:main" in entry_points
    for plugin in ("moodle", "workday", "calendar", "demo", "catalogue"):
        assert f"{plugin} = learnwire.plugins.{plugin}" in entry_points
