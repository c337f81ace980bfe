"""Reading policy documents never reaches or repeats what it should not: a symbolic link out
of the policy directory is refused unread, and no error, audit entry or log line quotes the
bytes of a document (finding 1.2: a key read through a symlink ended up in the audit log)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnwire.core.cli import cli
from learnwire.policies import versions
from learnwire.policies.documents import parse_text, read_directory
from learnwire.policies.validation import PolicyInvalid, check_directory

SECRET = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"


def _windows(secret: str, size: int = 8) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def _leaks(text: str, secret: str) -> list[str]:
    return [w for w in _windows(secret) if w in text]


def _audit_text(db) -> str:
    with db.connection() as conn:
        return "\n".join(r[0] for r in conn.execute("SELECT r::text FROM policy_audit r"))


@pytest.fixture
def run_cli(runtime, monkeypatch):
    monkeypatch.setenv("LEARNWIRE_POLICY_AUTHOR", "mallory")
    runtime.pm.call_each("register_commands", cli=cli)

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), obj=runtime)
        return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")

    return invoke


def test_documents_symlink_to_the_flask_key_is_refused_and_never_echoed(
    run_cli, runtime, db, policy_copy, caplog
):
    # The key a deployment without LEARNWIRE_SECRET_KEY signs its sessions with.
    key = runtime.settings.generated_secret("flask")
    key_file = runtime.settings.key_dir() / "flask.key"
    assert key_file.read_text().strip() == key
    (policy_copy / "leak.yaml").symlink_to(key_file)
    caplog.set_level(logging.DEBUG)
    code, output = run_cli("policy", "apply", str(policy_copy))
    audit = _audit_text(db)
    assert _leaks(output, key) == []
    assert _leaks(audit, key) == []
    assert _leaks(caplog.text, key) == []
    assert code != 0, "a directory with a link out of it is refused"
    assert "leak.yaml" in output and "symbolic link" in output
    assert "policy:apply" in audit and "refused" in audit, "the refusal is audited"
    code, output = run_cli("policy", "check", str(policy_copy), "--json")
    assert code == 1 and _leaks(output, key) == []


@pytest.mark.parametrize(
    "link",
    [
        lambda root, outside: outside / "secret.yaml",  # a YAML-named file elsewhere
        lambda root, outside: Path("..") / "outside" / "secret.yaml",  # relative escape
        lambda root, outside: outside,  # a directory elsewhere, entered below
    ],
)
def test_documents_links_leaving_the_directory_are_refused_unread(tmp_path, policy_copy, link):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(f"learnwire_policy: {SECRET}\n")
    target = link(policy_copy, outside)
    if target == outside:
        (policy_copy / "sub.yaml").symlink_to(outside, target_is_directory=True)
        (policy_copy / "z.yaml").symlink_to(Path("sub.yaml") / "secret.yaml")
    else:
        (policy_copy / "z.yaml").symlink_to(target)
    loaded, problems = check_directory(policy_copy)
    assert loaded is None
    said = json.dumps([p.as_dict() for p in problems])
    assert any(p.file == "z.yaml" and "symbolic link" in p.message for p in problems), said
    assert _leaks(said, SECRET) == []


def test_documents_link_inside_the_directory_to_a_document_is_followed(policy_copy):
    (policy_copy / "drafts").mkdir()
    (policy_copy / "access.yaml").rename(policy_copy / "drafts" / "access.yaml")
    (policy_copy / "access.yaml").symlink_to(Path("drafts") / "access.yaml")
    loaded, problems = check_directory(policy_copy)
    assert problems == [] and loaded is not None and loaded.policy.k == 5


def test_documents_link_inside_the_directory_to_a_non_document_is_refused(policy_copy):
    (policy_copy / "notes.key").write_text(SECRET)
    (policy_copy / "notes.yaml").symlink_to("notes.key")
    _, problems = read_directory(policy_copy)
    assert [p.file for p in problems] == ["notes.yaml"] and _leaks(str(problems), SECRET) == []


def test_documents_fifo_named_like_a_document_is_refused_without_blocking(policy_copy):
    os.mkfifo(policy_copy / "pipe.yaml")
    _, problems = read_directory(policy_copy)
    assert [p.file for p in problems] == ["pipe.yaml"] and "regular file" in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        f"{SECRET}\n",  # a key file given as a document
        f"learnwire_policy: 1\nk_anonymity:\n  min_group_size: '{SECRET}'\n",  # type error
        f"learnwire_policy: 1\n{SECRET}: 1\n",  # unknown key
        f"learnwire_policy: 1\npurposes:\n  x{SECRET}Z:\n    description: d\n",  # bad name
        f"learnwire_policy: 1\npurposes:\n  x:\n    description: '{SECRET * 40}'\n",  # too long
        f"learnwire_policy: 1\nroles: *{SECRET}\n",  # YAML error naming an alias
        f"learnwire_policy: 1\nroles: !<tag:{SECRET}> 1\n",  # YAML error naming a tag
        f"learnwire_policy: 1\nroles: [\n  {SECRET}\n",  # YAML error near the secret
        f"learnwire_policy: 1\n{SECRET}: 1\n{SECRET}: 2\n",  # duplicate key
        f'learnwire_policy: 1\nk_anonymity:\n  min_group_size: "{SECRET}\\0"\n',  # escaped NUL
    ],
)
def test_documents_errors_never_quote_a_secret_in_the_document(tmp_path, text):
    (tmp_path / "doc.yaml").write_text(text)
    loaded, problems = check_directory(tmp_path)
    assert loaded is None and problems
    said = json.dumps([p.as_dict() for p in problems]) + str(PolicyInvalid(problems))
    assert _leaks(said, SECRET) == [], said
    assert all(p.file == "doc.yaml" for p in problems)


def test_documents_nul_byte_is_a_located_refusal_not_a_crash(tmp_path, db, engine):
    (tmp_path / "doc.yaml").write_bytes(b"learnwire_policy: 1\nroles:\x00 {}\n")
    doc, problem = parse_text("doc.yaml", (tmp_path / "doc.yaml").read_bytes())
    assert doc is None and problem is not None
    assert problem.line == 2 and "NUL byte at column 7" in problem.message
    with db.connection() as conn, pytest.raises(PolicyInvalid, match=r"doc\.yaml:2"):
        versions.apply_directory(conn, engine, tmp_path, author="ana")
    assert "NUL" in _audit_text(db), "the refusal is audited, with the reason"
