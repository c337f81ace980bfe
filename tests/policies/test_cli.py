"""The policy, privacy and audit commands, run in process against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from click.testing import CliRunner

from learnwire.core.cli import cli

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")


@pytest.fixture
def run(runtime, monkeypatch):
    monkeypatch.setenv("LEARNWIRE_POLICY_AUTHOR", "cora")
    runtime.pm.call_each("register_commands", cli=cli)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), obj=runtime, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_cli_init_check_apply_history_diff(run, tmp_path):
    target = tmp_path / "pol"
    run("policy", "init", str(target))
    assert json.loads(run("policy", "check", str(target), "--json").output)["valid"]
    first = json.loads(run("policy", "apply", str(target), "--json").output)
    assert first["new"] and first["author"] == "cora"
    access = target / "access.yaml"
    access.write_text(access.read_text().replace("min_group_size: 5", "min_group_size: 6"))
    dry = json.loads(run("policy", "dry-run", str(target), "--json").output)
    assert dry["k_anonymity"] == {"now": 5, "proposed": 6}
    assert any(
        c["resource"] == "team_aggregate" and c["change"] == "stops being allowed"
        for c in dry["access"]
    )
    second = json.loads(run("policy", "apply", str(target), "--comment", "k=6", "--json").output)
    history = json.loads(run("policy", "history", "--json").output)
    assert [h["id"] for h in history] == [first["id"], second["id"]]
    assert history[1]["comment"] == "k=6"
    diff = json.loads(run("policy", "diff", str(first["id"]), str(second["id"]), "--json").output)
    assert "+  min_group_size: 6" in diff["diff"]
    assert "min_group_size: 6" in run("policy", "diff", str(first["id"]), str(second["id"])).output


def test_cli_check_reports_problems_and_exits_non_zero(run, tmp_path):
    run("policy", "init", str(tmp_path))
    (tmp_path / "purposes.yaml").write_text("learnwire_policy: 1\npurposes:\n  x: {}\n")
    result = run("policy", "check", str(tmp_path), "--json", code=1)
    problems = json.loads(result.output)["problems"]
    assert {
        "file": "purposes.yaml",
        "line": 3,
        "path": "purposes.x",
        "message": "missing key 'description'; expected keys: description",
    } in problems
    result = run("policy", "apply", str(tmp_path), code=2)
    assert "purposes.yaml:3" in result.output


def test_cli_privacy_opt_out_utilisation_export_erase_and_audit(run, db, make_org, tmp_path):
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        org.event(learner)
        org.calendar(learner)
    run("privacy", "opt-out", str(learner), "calendar", "--json")
    report = json.loads(run("privacy", "utilisation", str(learner), "--json").output)
    families = {f["family"]: f for f in report["families"]}
    assert families["calendar"]["reason"] == "opt_out"
    assert families["learning_activity"]["status"] == "available"
    out = tmp_path / "export.json"
    run("privacy", "export", str(learner), "-o", str(out))
    assert json.loads(out.read_text())["tables"]["learning_event"]
    erased = json.loads(run("privacy", "erase", str(learner), "--json").output)
    assert erased["verification"]["verified"] and erased["deleted"]["learner"] == 1
    assert json.loads(run("audit", "verify", "--json").output)["ok"]
    upgrade = json.loads(run("audit", "upgrade", "--json").output)
    assert upgrade["upgraded"] is False and upgrade["reason"] == "already keyed and checkpointed"
    log = json.loads(run("audit", "log", "--json").output)
    assert log[0]["action"] == "erase:learner_data"
    again = run("privacy", "erase", str(learner), "--yes")
    assert "already erased" in again.output and "verified" in again.output
    page = tmp_path / "export.html"
    run("privacy", "export", str(uuid.uuid4()), "-o", str(page), code=2)
    assert not page.exists()
    run("privacy", "opt-out", "email:nobody@example.com", "calendar", code=2)


def test_cli_token_create_list_revoke(run):
    created = json.loads(
        run(
            "policy",
            "token",
            "create",
            "--role",
            "compliance_officer",
            "--name",
            "dpo-portal",
            "--scope",
            "erase:learner_data",
            "--json",
        ).output
    )
    assert created["token"].startswith("lwt_") and created["scopes"] == ["erase:learner_data"]
    listed = json.loads(run("policy", "token", "list", "--json").output)
    assert "token" not in listed[0] and listed[0]["revoked_at"] is None
    run("policy", "token", "revoke", created["id"])
    assert json.loads(run("policy", "token", "list", "--json").output)[0]["revoked_at"]
    run("policy", "token", "create", "--role", "wizard", "--name", "x", code=2)


def test_cli_policy_check_runs_as_installed_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env["LEARNWIRE_DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.yaml").write_text(
        "learnwire_policy: 1\nk_anonymity: {min_group_size: 1}\n"
    )
    result = subprocess.run(
        [LEARNWIRE, "policy", "check", str(tmp_path / "p")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "a.yaml:2 at k_anonymity.min_group_size" in result.stderr
