"""The LMS as a channel: the learner's LTI page shows the same set the day's message
carried, and with an LRS configured each item goes back as a ``recommended`` statement
carrying only what the policy's ``lrs`` processor allows."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from learnwire.adapters.lti.recommended import RecommendedOffers
from learnwire.core.delivery import Message, MessageItem
from learnwire.core.delivery.run import run
from learnwire.core.delivery.sender import Sender
from learnwire.plugins.lms.channel import CHANNEL_EXTENSION as CHANNEL
from learnwire.policies.validation import DEFAULTS_DIR

from ...conftest import fixture_module

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
RECOMMENDED = "https://learnwire.dev/xapi/verbs/recommended"
DELIVERED = "https://learnwire.dev/xapi/verbs/delivered"


def test_lms_page_shows_the_delivered_set_and_lrs_gets_recommended_statements(
    make_runtime, org, db
):
    lrs_module = fixture_module("fake_lrs_inbox")
    with lrs_module.FakeLrsInbox() as lrs:
        runtime = make_runtime({"lms": lrs.settings()})
        report = run(runtime, at=AT)
        statements = list(lrs.statements.values())
        assert not lrs.problems
    assert report.results["sent"] == 2  # Ana's digest, Ben's nudge; Tokyo is asleep
    with db.connection() as conn:
        delivered = conn.execute(
            "SELECT i.content_id, i.reason FROM delivery_item i JOIN delivery_outbox o "
            "ON o.id = i.outbox_id WHERE o.learner_id = %s ORDER BY i.rank",
            (org["ana"],),
        ).fetchall()
        # The page asks about the real today: let the message be today's.
        conn.execute(
            "UPDATE delivery_outbox o SET day = (now() AT TIME ZONE l.timezone)::date "
            "FROM learner l WHERE l.id = o.learner_id"
        )
        page = RecommendedOffers(runtime).for_learner(conn, learner_id=org["ana"], limit=5)
    assert len(delivered) == 3
    assert [(o.content_id, o.reason) for o in page.items] == [tuple(d) for d in delivered]
    recommended = [s for s in statements if s["verb"]["id"] == RECOMMENDED]
    assert len(recommended) == 4
    ana = [s for s in recommended if s["actor"]["account"]["name"] == str(org["ana"])]
    assert len(ana) == 3
    # The LMS page is itself a channel: what it delivered is written back too.
    assert {s["verb"]["id"] for s in statements} == {RECOMMENDED, DELIVERED}
    assert len(statements) == 8
    assert all(s["object"]["id"].startswith("https://lms.example/activity/") for s in statements)
    # Reasons and links are not among the lrs processor's fields: they did not leave.
    assert not any("delivery/c/" in str(s) or "Your role" in str(s) for s in statements)


def test_lms_bad_lrs_credentials_fail_with_what_to_fix(make_runtime, org, db):
    lrs_module = fixture_module("fake_lrs_inbox")
    with lrs_module.FakeLrsInbox() as lrs:
        runtime = make_runtime({"lms": lrs.settings(secret="nope")})
        run(runtime, at=AT)
    with db.connection() as conn:
        reasons = {
            r[0] for r in conn.execute("SELECT reason FROM delivery_send WHERE status = 'failed'")
        }
    assert reasons == {
        "the LRS refused the credentials (LEARNWIRE_PLUGINS__LMS__LRS_KEY / __LRS_SECRET)"
    }


def _email_and_lrs(make_runtime, smtp, lrs, **overrides):
    return make_runtime({"email": smtp.settings(), "lms": lrs.settings()}, **overrides)


def _sent(db):
    with db.connection() as conn:
        return conn.execute(
            "SELECT s.id, s.channel, o.learner_id FROM delivery_send s JOIN delivery_outbox o "
            "ON o.id = s.outbox_id WHERE s.status = 'sent' ORDER BY s.id"
        ).fetchall()


def test_lms_every_channel_s_delivery_is_written_back_once_per_item(make_runtime, org, db):
    smtp_module, lrs_module = fixture_module("fake_smtp"), fixture_module("fake_lrs_inbox")
    with smtp_module.FakeSmtp() as smtp, lrs_module.FakeLrsInbox() as lrs:
        runtime = _email_and_lrs(make_runtime, smtp, lrs)
        run(runtime, at=AT)
        delivered = [s for s in lrs.statements.values() if s["verb"]["id"] == DELIVERED]
        assert not lrs.problems and len(smtp.messages) == 2
        sent = _sent(db)
        # A second write of the same sends (a retry) stores nothing new: same ids.
        [lms] = [c for c in Sender(runtime).channels.values() if c.name == "lms"]
        for statement in delivered:
            again = Message(
                send_id=_send_of(statement, sent),
                learner_id=statement["actor"]["account"]["name"],
                kind=statement["context"]["extensions"][
                    "https://learnwire.dev/xapi/extensions/kind"
                ],
                channel=statement["context"]["extensions"][CHANNEL],
                items=[
                    MessageItem(
                        activity=statement["object"]["id"],
                        title=statement["object"]["definition"]["name"]["en-US"],
                    )
                ],
            )
            lms.write_back_delivered(again, at=AT)
        assert len(lrs.statements) == len(delivered) + 4  # plus the 4 recommended
    by_channel = {}
    for s in delivered:
        by_channel.setdefault(s["context"]["extensions"][CHANNEL], []).append(s)
    assert {c: len(v) for c, v in by_channel.items()} == {"email": 4, "lms": 4}
    assert {s["actor"]["account"]["name"] for s in delivered} == {str(org["ana"]), str(org["ben"])}
    assert all(s["actor"]["account"]["homePage"] == "http://lw.test" for s in delivered)
    assert len({s["id"] for s in delivered}) == 8
    assert {s["timestamp"] for s in delivered} == {AT.isoformat()}
    # Only the lrs processor's fields left: no reasons, links or timing.
    assert not any("delivery/c/" in str(s) or "Your role" in str(s) for s in delivered)
    with db.connection() as conn:
        audited = conn.execute(
            "SELECT count(*) FROM policy_audit WHERE action = 'send:external_processor' "
            "AND detail->>'processor' = 'lrs'"
        ).fetchone()[0]
    assert audited == 2 + 4  # the lms sends' own, and one per delivered message


def _send_of(statement, sent):
    channel = statement["context"]["extensions"][CHANNEL]
    learner = statement["actor"]["account"]["name"]
    [send_id] = [i for i, c, who in sent if c == channel and str(who) == learner]
    return send_id


def test_lms_delivered_write_back_follows_the_lrs_processor_rule(make_runtime, org, db, tmp_path):
    policy_dir = tmp_path / "policy"
    shutil.copytree(DEFAULTS_DIR, policy_dir)
    processors = policy_dir / "processors.yaml"
    rule = processors.read_text().split("  lrs:\n", 1)
    rule[1] = rule[1].replace("      - message.items.title\n", "", 1)
    processors.write_text("  lrs:\n".join(rule))
    smtp_module, lrs_module = fixture_module("fake_smtp"), fixture_module("fake_lrs_inbox")
    with smtp_module.FakeSmtp() as smtp, lrs_module.FakeLrsInbox() as lrs:
        run(_email_and_lrs(make_runtime, smtp, lrs, policy_dir=policy_dir), at=AT)
        delivered = [s for s in lrs.statements.values() if s["verb"]["id"] == DELIVERED]
        mails = [m["message"] for m in smtp.messages]
    assert len(delivered) == 8
    assert all(s["object"]["definition"] == {} for s in delivered), "titles stayed inside"
    assert all(m.get_body(("plain",)).get_content().count("Open: ") >= 1 for m in mails)


def test_lms_failed_write_back_leaves_the_email_delivered(make_runtime, org, db):
    smtp_module, lrs_module = fixture_module("fake_smtp"), fixture_module("fake_lrs_inbox")
    with smtp_module.FakeSmtp() as smtp, lrs_module.FakeLrsInbox() as lrs:
        runtime = make_runtime({"email": smtp.settings(), "lms": lrs.settings(secret="nope")})
        run(runtime, at=AT)
        assert len(smtp.messages) == 2 and not lrs.statements
    assert {c for _, c, _ in _sent(db)} == {"email"}
