"""`learnwire tags verify`: Claude's optional second opinion on machine tags, through the
egress policy, against a local server speaking Anthropic's Messages API."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from learnwire.core.cli.root import cli
from learnwire.core.runtime import Runtime
from learnwire.plugins.catalogue import plugin
from learnwire.plugins.catalogue.verify import PROCESSOR, ClaudeTagVerifier
from learnwire.policies.validation import DEFAULTS_DIR

from ...conftest import fixture_module
from .conftest import applied, import_sample, run

PATHS = frozenset(
    {
        "item",
        "item.title",
        "item.summary",
        "suggestions",
        "suggestions.skill_id",
        "suggestions.skill",
        "suggestions.description",
    }
)


fake = fixture_module("fake_anthropic")


def deny_negotiation(payload):
    """Deny every suggested 'negotiation' tag, confirm the rest."""
    verdicts = [
        {
            "skill_id": s["skill_id"],
            "verdict": "deny" if s["skill_id"] == "negotiation" else "confirm",
            "reason": f"judged from '{payload['item']['title']}'",
        }
        for s in payload["suggestions"]
    ]
    return json.dumps({"verdicts": verdicts}), "end_turn"


@pytest.fixture
def claude():
    behaviour = fake.Behaviour(answer=deny_negotiation, allowed_paths=PATHS)
    with fake.serve(behaviour) as api:
        yield api


def invoke(runtime, *args):
    plugin.register_commands(cli=cli)
    return CliRunner().invoke(cli, list(map(str, args)), obj=runtime)


def with_claude(runtime, api, **overrides):
    values = {"anthropic_api_key": SecretStr(fake.API_KEY), "anthropic_base_url": api.url}
    values |= overrides
    return Runtime(runtime.settings.model_copy(update=values), pm=runtime.pm, db=runtime.db)


@pytest.fixture
def library(runtime, db):
    runtime.settings.plugins["catalogue"] = {"apply_threshold": 0.5, "claude_verification": True}
    import_sample(runtime)
    run(runtime, "tags", "run")
    return runtime


def verdicts(db):
    with db.connection() as conn:
        return conn.execute(
            "SELECT c.external_id, v.skill_id, v.verdict, v.model, "
            "v.item_updated_at = c.updated_at FROM skill_tag_verification v "
            "JOIN content_item c ON c.id = v.content_id ORDER BY 1, 2"
        ).fetchall()


def test_verify_denied_machine_tag_goes_to_review_and_stays_there(library, db, claude):
    assert applied(db, "ART-310") == {"negotiation": "machine"}
    runtime = with_claude(library, claude)
    report = json.loads(run(runtime, "tags", "verify", "--json").output)
    assert report["stopped"] is None and report["skipped"] == []
    assert report["items"] >= 1 and report["denied"] >= 1 and report["confirmed"] >= 1
    assert claude.problems == [], "only item text and suggested skills left"
    titles = {p["item"]["title"] for p in claude.payloads}
    assert "Negotiation Basics" in titles
    assert ("ART-310", "negotiation", "deny", "claude-sonnet-5-5", True) in verdicts(db)
    assert "negotiation" not in applied(db, "ART-310")
    queued = json.loads(run(runtime, "tags", "review", "--json", "--limit", "500").output)
    denied = [r for r in queued["review"] if r["item"].startswith("acme ART-310")]
    assert [(r["skill_id"], r["verdict"], r["why"]) for r in denied] == [
        ("negotiation", "deny", "Claude denied it")
    ]
    with db.connection() as conn:
        audit = conn.execute(
            "SELECT outcome, detail->>'processor' FROM policy_audit "
            "WHERE action = 'send:external_processor'"
        ).fetchall()
    assert audit and set(audit) == {("allowed", PROCESSOR)}
    sent = len(claude.requests)
    again = json.loads(run(runtime, "tags", "verify", "--json").output)
    assert again["items"] == 0 and len(claude.requests) == sent, "a verdict is asked once"
    run(runtime, "tags", "run")
    assert "negotiation" not in applied(db, "ART-310"), "the verdict survives re-tagging"
    run(runtime, "tags", "accept", "acme", "ART-310", "negotiation", "--by", "lee")
    assert applied(db, "ART-310") == {"negotiation": "admin"}, "a person's decision wins"


def test_verify_is_off_by_default(runtime, db, claude):
    runtime.settings.plugins["catalogue"] = {}
    result = invoke(with_claude(runtime, claude), "tags", "verify")
    assert result.exit_code == 2 and "Claude verification is off" in result.output
    assert claude.requests == []


def test_verify_sends_nothing_the_policy_does_not_allow(library, db, claude, tmp_path):
    closed = tmp_path / "policy"
    shutil.copytree(DEFAULTS_DIR, closed)
    text = (closed / "processors.yaml").read_text()
    (closed / "processors.yaml").write_text(text.replace("anthropic_tagging:", "retired_x:"))
    runtime = with_claude(library, claude, policy_dir=closed)
    report = json.loads(run(runtime, "tags", "verify", "--json").output)
    assert "policy does not let item text go to 'anthropic_tagging'" in report["stopped"]
    assert report["items"] == 0 and claude.requests == [] and verdicts(db) == []
    with db.connection() as conn:
        outcomes = conn.execute(
            "SELECT outcome FROM policy_audit WHERE action = 'send:external_processor'"
        ).fetchall()
    assert outcomes == [("denied",)]


def test_verify_deadline_size_cap_and_bad_answers_store_nothing(library, db, claude):
    claude.behaviour.stall = True
    slow = with_claude(library, claude, anthropic_timeout_seconds=0.5)
    report = ClaudeTagVerifier(slow.settings, slow.governance, slow.db).run(items=1)
    assert report.items == 0 and "did not answer within 0.5 s" in report.skipped[0]
    claude.release.set()
    claude.behaviour.stall = False
    asked = len(claude.requests)
    tiny = ClaudeTagVerifier(slow.settings, slow.governance, slow.db, max_body_chars=50)
    report = tiny.run(items=1)
    assert "over the cap" in report.skipped[0] and len(claude.requests) == asked
    claude.behaviour.answer = lambda payload: ('{"verdicts": [{"skill_id": "x"}]}', "end_turn")
    report = ClaudeTagVerifier(slow.settings, slow.governance, slow.db).run(items=1)
    assert "not the JSON asked for" in report.skipped[0]
    assert verdicts(db) == []
