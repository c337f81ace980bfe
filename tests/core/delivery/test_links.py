"""The links in a message: one-click unsubscribe (RFC 8058) without signing in, honoured at
once; a click comes back as a learning event through intake and moves the next ranking; a
dismissal removes the item; a forged or edited link is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from learnwire.core.delivery.run import run
from learnwire.core.delivery.sender import Sender
from learnwire.core.web.app import create_app

from ...conftest import fixture_module

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Berlin 15:00, New York 09:00


def _deliver(make_runtime):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        runtime = make_runtime({"email": smtp.settings()})
        run(runtime, at=AT)
        mails = {m["rcpt"][0]: m["message"] for m in smtp.messages}
    return runtime, mails


def _path(url: str) -> str:
    return url.removeprefix("http://lw.test")


def test_links_one_click_unsubscribe_needs_no_sign_in_and_is_honoured_at_once(
    make_runtime, org, db
):
    runtime, mails = _deliver(make_runtime)
    target = _path(mails["ana@example.com"]["List-Unsubscribe"].strip("<>"))
    client = create_app(runtime).test_client()
    # A GET (a mail scanner following the link) only shows the button.
    page = client.get(target)
    assert page.status_code == 200 and b'<form method="post">' in page.data
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM delivery_preference").fetchone()[0] == 0
        # Tomorrow's digest is already waiting in the outbox.
        conn.execute(
            "INSERT INTO delivery_outbox (learner_id, kind, day, send_after, timing) "
            "VALUES (%s, 'digest', '2026-11-24', %s, '')",
            (org["ana"], AT + timedelta(days=1)),
        )
        conn.execute(
            "INSERT INTO delivery_send (outbox_id, channel) SELECT id, 'email' FROM "
            "delivery_outbox WHERE day = '2026-11-24'"
        )
    answer = client.post(target, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and b"Unsubscribed" in answer.data
    with db.connection() as conn:
        assert conn.execute(
            "SELECT cadence, set_via FROM delivery_preference WHERE learner_id = %s "
            "AND kind = 'digest' AND channel = 'email'",
            (org["ana"],),
        ).fetchone() == ("off", "unsubscribe link")
        waiting = conn.execute(
            "SELECT s.status, s.reason FROM delivery_send s JOIN delivery_outbox o "
            "ON o.id = s.outbox_id WHERE o.day = '2026-11-24'"
        ).fetchone()
        event = conn.execute(
            "SELECT data_category FROM learning_event WHERE learner_id = %s "
            "AND verb LIKE '%%/unsubscribed'",
            (org["ana"],),
        ).fetchone()
    assert waiting == ("cancelled", "the person switched this off")
    assert event == ("behavioural",)
    tomorrow = run(runtime, at=AT + timedelta(days=1, hours=1))
    ana = [p for p in tomorrow.plans if p.learner_id == org["ana"]]
    assert all("email" not in p.channels for p in ana)


def test_links_forged_or_edited_links_are_refused(make_runtime, org, db):
    runtime, mails = _deliver(make_runtime)
    target = _path(mails["ana@example.com"]["List-Unsubscribe"].strip("<>"))
    client = create_app(runtime).test_client()
    edited = target[:-3] + ("AAA" if not target.endswith("AAA") else "BBB")
    answer = client.post(edited, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 400
    assert "not one learnwire made" in answer.get_json()["detail"]
    # A link for opening an item cannot be replayed as an unsubscribe.
    text = mails["ana@example.com"].get_body(("plain",)).get_content()
    open_token = re.search(r"/delivery/c/(\S+)", text)[1]
    assert client.post(f"/delivery/u/{open_token}").status_code == 400
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM delivery_preference").fetchone()[0] == 0


def test_links_click_is_recorded_and_changes_the_next_ranking(make_runtime, org, db):
    runtime, mails = _deliver(make_runtime)
    text = mails["ana@example.com"].get_body(("plain",)).get_content()
    first = re.search(r"Open: (\S+)", text)[1]
    sender = Sender(runtime)
    later = AT + timedelta(hours=2)
    with db.connection() as conn:
        before, _ = sender.service.rank(conn, org["ana"], at=later, limit=5)
        again, _ = sender.service.rank(conn, org["ana"], at=later, limit=5)
    assert [(r.content_id, r.score) for r in again.recommendations] == [
        (r.content_id, r.score) for r in before.recommendations
    ], "ranking is deterministic: only the click can change it"
    answer = create_app(runtime).test_client().get(_path(first))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("https://lms.example/mod/page/view.php?id=")
    with db.connection() as conn:
        event = conn.execute(
            "SELECT verb, data_category, content_id IS NOT NULL, source FROM learning_event "
            "WHERE learner_id = %s AND verb LIKE '%%/launched'",
            (org["ana"],),
        ).fetchall()
        after, _ = sender.service.rank(conn, org["ana"], at=later, limit=5)
    assert event == [("http://adlnet.gov/expapi/verbs/launched", "behavioural", True, "delivery")]
    assert [(r.content_id, round(r.score, 6)) for r in after.recommendations] != [
        (r.content_id, round(r.score, 6)) for r in before.recommendations
    ]


def test_links_dismiss_asks_first_then_removes_the_item(make_runtime, org, db):
    runtime, mails = _deliver(make_runtime)
    text = mails["ana@example.com"].get_body(("plain",)).get_content()
    dismiss = _path(re.search(r"Not for me: (\S+)", text)[1])
    client = create_app(runtime).test_client()
    assert b"Yes, dismiss it" in client.get(dismiss).data
    with db.connection() as conn:
        (item,) = conn.execute(
            "SELECT content_id FROM delivery_item i JOIN delivery_outbox o ON o.id = i.outbox_id "
            "WHERE o.learner_id = %s AND i.rank = 1",
            (org["ana"],),
        ).fetchone()
    assert client.post(dismiss).status_code == 200
    with db.connection() as conn:
        ranking, _ = Sender(runtime).service.rank(
            conn, org["ana"], at=AT + timedelta(hours=1), limit=10
        )
    assert item not in {r.content_id for r in ranking.recommendations}
