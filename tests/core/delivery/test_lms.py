"""The LMS as a channel: the learner's LTI page shows the same set the day's message
carried, and with an LRS configured each item goes back as a ``recommended`` statement
carrying only what the policy's ``lrs`` processor allows."""

from __future__ import annotations

from datetime import UTC, datetime

from learnwire.adapters.lti.recommended import RecommendedOffers
from learnwire.core.delivery.run import run

from .conftest import fixture_module

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


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
    assert len(statements) == 4
    ana = [s for s in statements if s["actor"]["account"]["name"] == str(org["ana"])]
    assert len(ana) == 3
    assert {s["verb"]["id"] for s in statements} == {"https://learnwire.dev/xapi/verbs/recommended"}
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
