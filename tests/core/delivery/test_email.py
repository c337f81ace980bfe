"""E-mail end to end: planner -> outbox -> send -> a real SMTP server (aiosmtpd) that
requires STARTTLS and AUTH."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from learnwire.core.delivery import outbox
from learnwire.core.delivery.run import run
from learnwire.policies.validation import DEFAULTS_DIR

from ...conftest import fixture_module

#: Monday 2026-11-23 14:00 UTC: Berlin 15:00, New York 09:00, Tokyo 23:00 (quiet).
AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _sends(db):
    with db.connection() as conn:
        return conn.execute(
            "SELECT o.learner_id, o.kind, s.channel, s.status, s.reason FROM delivery_send s "
            "JOIN delivery_outbox o ON o.id = s.outbox_id ORDER BY 1, 2, 3"
        ).fetchall()


def test_email_digest_arrives_with_both_parts_and_one_click_unsubscribe(make_runtime, org, db):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        runtime = make_runtime({"email": smtp.settings()})
        report = run(runtime, at=AT)
        mails = {m["rcpt"][0]: m for m in smtp.messages}
    assert report.as_dict()["skipped"].get("no hour left today outside quiet hours") == 1
    assert set(mails) == {"ana@example.com", "ben@example.com"}
    ana = mails["ana@example.com"]
    assert ana["tls"] and ana["authenticated"], "STARTTLS and AUTH before the message"
    mail = ana["message"]
    assert mail.is_multipart()
    assert {p.get_content_type() for p in mail.iter_parts()} == {"text/plain", "text/html"}
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert mail["Subject"].startswith("Your 3 learning picks for today")
    assert text.count("Open: http://lw.test/delivery/c/") == 3
    assert " min)" in text and "When you usually learn" not in text
    assert "http://lw.test/delivery/d/" in html
    unsubscribe = mail["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://lw.test/delivery/u/") and unsubscribe.endswith(">")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Ben's presentation is tomorrow: his one message today is the nudge, not the digest.
    ben = mails["ben@example.com"]["message"]
    assert "minutes to get ready" in ben["Subject"]
    assert ben.get_body(("plain",)).get_content().count("Open: ") == 1
    statuses = {(kind, channel, status) for _, kind, channel, status, _ in _sends(db)}
    assert statuses == {
        ("digest", "email", "sent"),
        ("digest", "lms", "sent"),
        ("nudge", "email", "sent"),
        ("nudge", "lms", "sent"),
    }
    with db.connection() as conn:
        delivered = conn.execute(
            "SELECT count(*) FROM learning_event WHERE source = 'delivery' "
            "AND verb LIKE '%%/delivered' AND data_category = 'behavioural'"
        ).fetchone()[0]
        assert outbox.status(conn)["messages"] == 2
    assert delivered == 4


def test_email_carries_only_the_fields_the_processor_rules_allow(make_runtime, org, db, tmp_path):
    policy_dir = tmp_path / "policy"
    shutil.copytree(DEFAULTS_DIR, policy_dir)
    processors = policy_dir / "processors.yaml"
    email_rule = processors.read_text().split("  email:\n", 1)
    # The organisation decides reasons stay inside: only the e-mail processor loses them.
    email_rule[1] = email_rule[1].replace("      - message.items.reason\n", "", 1)
    processors.write_text("  email:\n".join(email_rule))
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        runtime = make_runtime({"email": smtp.settings()}, policy_dir=policy_dir)
        run(runtime, at=AT)
        mails = {m["rcpt"][0]: m["message"] for m in smtp.messages}
    with db.connection() as conn:
        reasons = [r[0] for r in conn.execute("SELECT reason FROM delivery_item")]
        audited = conn.execute(
            "SELECT detail FROM policy_audit WHERE action = 'send:external_processor' "
            "AND detail->>'processor' = 'email'"
        ).fetchall()
    text = mails["ana@example.com"].get_body(("plain",)).get_content()
    html = mails["ana@example.com"].get_body(("html",)).get_content()
    assert reasons and not any(r in text or r in html for r in reasons)
    assert text.count("Open: ") == 3, "the rest of the message is intact"
    assert len(audited) == 2
    assert "message.items.reason" in audited[0][0]["dropped"]
    assert "message.items.title" in audited[0][0]["sent"]
