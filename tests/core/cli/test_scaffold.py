"""``learnwire plugins new``: the generated package installs with pip, its own test passes
against learnwire's fixtures, and learnwire loads it through the entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnwire.core.cli.root import cli

BIN = Path(sys.executable).parent


def _env(**extra: str) -> dict[str, str]:
    # The parent's LEARNWIRE_* settings (e.g. an allow-list) must not steer the children.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(extra)
    return env


def _run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_scaffold_generated_plugin_installs_passes_its_test_and_loads(tmp_path: Path) -> None:
    package = tmp_path / "learnwire-acme"
    made = _run(
        [str(BIN / "learnwire"), "plugins", "new", "acme", "--directory", str(package), "--json"],
        tmp_path,
        _env(),
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["files"] == [
        "README.md",
        "learnwire_acme/__init__.py",
        "learnwire_acme/plugin.py",
        "learnwire_acme/source.py",
        "pyproject.toml",
        "tests/test_source.py",
    ]

    # A real pip install, into a directory of its own rather than the shared virtualenv:
    # other test runs never see the plugin, and nothing is left behind if this one dies.
    site = tmp_path / "site"
    installed = _run(
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
        tmp_path,
        _env(),
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert (site / "learnwire_acme" / "plugin.py").is_file()
    with_plugin = _env(PYTHONPATH=str(site), LEARNWIRE_DATA_DIR=str(tmp_path / "data"))

    tested = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"], package, with_plugin)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]
    assert "4 passed" in tested.stdout

    listed = _run([str(BIN / "learnwire"), "plugins", "list", "--json"], tmp_path, with_plugin)
    assert listed.returncode == 0, listed.stderr
    acme = next(p for p in json.loads(listed.stdout) if p["name"] == "acme")
    assert acme["status"] == "loaded"
    assert acme["origin"] == "entry point of learnwire-acme 0.1.0"
    assert acme["hooks"] == ["register_signal_sources"]

    without = _run(
        [str(BIN / "learnwire"), "plugins", "list", "--json"],
        tmp_path,
        _env(LEARNWIRE_DATA_DIR=str(tmp_path / "data")),
    )
    assert "acme" not in [p["name"] for p in json.loads(without.stdout)]


def test_scaffold_generated_code_is_lint_clean(tmp_path: Path) -> None:
    package = tmp_path / "learnwire-jira_cloud"
    done = CliRunner().invoke(cli, ["plugins", "new", "jira_cloud", "--directory", str(package)])
    assert done.exit_code == 0, done.output
    assert "pip install -e" in done.output
    source = (package / "learnwire_jira_cloud" / "source.py").read_text()
    assert "class JiraCloudSource(SignalSource):" in source
    assert 'PLUGIN_NAME = "jira_cloud"' in source
    entry_point = (package / "pyproject.toml").read_text()
    assert 'jira_cloud = "learnwire_jira_cloud.plugin"' in entry_point
    for args in (["check", "."], ["format", "--check", "."]):
        linted = _run([str(BIN / "ruff"), *args], package, _env())
        assert linted.returncode == 0, linted.stdout + linted.stderr


@pytest.mark.parametrize("name", ["Acme", "9lives", "acme-lms", "a" * 41, ""])
def test_scaffold_rejects_names_that_cannot_be_plugin_names(tmp_path: Path, name: str) -> None:
    done = CliRunner().invoke(cli, ["plugins", "new", name, "--directory", str(tmp_path / "x")])
    assert done.exit_code == 2
    assert "must be lower case letters, digits and underscores" in done.output
    assert not (tmp_path / "x").exists()


def test_scaffold_never_writes_into_a_directory_with_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    done = CliRunner().invoke(cli, ["plugins", "new", "acme", "--directory", str(tmp_path)])
    assert done.exit_code == 2
    assert "already exists and is not empty" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
