"""Micro-surveys in delivered messages: a digest asks "was this relevant?" about an item the
person finished, and a tap on an answer in the e-mail (a signed link, no sign-in) records a
feedback statement with a POST, once however often it is replayed; a person whose digest is
off gets the questions in a survey message of their own, at most once a week."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from learnwire.core import surveys
from learnwire.core.delivery import preferences
from learnwire.core.delivery.run import run
from learnwire.core.models import DataCategory, LearningEvent
from learnwire.core.sources import SourceBatch
from learnwire.core.web.app import create_app
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out

from ...conftest import fixture_module

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Berlin 15:00, New York 09:00


def _complete(runtime, learner, n, at):
    event = LearningEvent(
        statement_id=uuid.uuid4(),
        learner_id=learner,
        source="lms",
        data_category=DataCategory.BEHAVIOURAL,
        occurred_at=at,
        verb="http://adlnet.gov/expapi/verbs/completed",
        object_id=f"https://lms.example/activity/{n}",
        result={"completion": True},
    )
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(events=[event]), source="lms")


def _answers(db, learner):
    with db.connection() as conn:
        return conn.execute(
            "SELECT verb, statement->'result'->>'response', source, statement_id "
            "FROM learning_event WHERE learner_id = %s AND data_category = 'feedback'",
            (learner,),
        ).fetchall()


def test_survey_links_a_tap_in_the_email_lands_once_as_a_statement(make_runtime, org, db):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        runtime = make_runtime({"email": smtp.settings()})
        _complete(runtime, org["ana"], 1, AT - timedelta(days=2))
        report = run(runtime, at=AT)
        mails = {m["rcpt"][0]: m["message"] for m in smtp.messages}
    # Ana's digest asks the question: no survey message of its own that day.
    assert "survey" not in {p.kind for p in report.plans}
    mail = mails["ana@example.com"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Was this relevant to your work now? Coaching piece 1" in text
    links = re.findall(
        r"(?:Yes, relevant|Not relevant now): (http://lw\.test/delivery/a/\S+)", text
    )
    assert len(links) == 2 and all(link in html for link in links)
    assert "Was this relevant" not in mails["ben@example.com"].get_body(("plain",)).get_content()

    client = create_app(runtime).test_client()
    not_relevant = links[1].removeprefix("http://lw.test")
    # A GET (a mail scanner, a link preview) only shows the confirm button.
    page = client.get(not_relevant)
    assert page.status_code == 200 and b'<form method="post">' in page.data
    assert b"Not relevant now" in page.data
    assert _answers(db, org["ana"]) == []
    for _ in range(2):  # the tap, then a replay of the same POST
        done = client.post(not_relevant)
        assert done.status_code == 200 and b"Thank you" in done.data
    [(verb, answer, source, _)] = _answers(db, org["ana"])
    assert (verb, answer, source) == (surveys.RELEVANCE_VERB, "not_relevant", "surveys")
    [response] = surveys.survey_responses(
        db, kind=surveys.RELEVANCE, since=AT - timedelta(days=1), until=datetime.now(UTC)
    )
    assert response.person_id == org["ana"] and response.answer == "not_relevant"

    # An edited link is refused (400), and nothing is stored.
    forged = not_relevant[:-3] + ("aaa" if not not_relevant.endswith("aaa") else "bbb")
    assert client.post(forged).status_code == 400
    assert len(_answers(db, org["ana"])) == 1


def test_survey_links_digest_off_gets_a_weekly_survey_message_with_where(make_runtime, org, db):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        runtime = make_runtime({"email": smtp.settings()})
        ana = org["ana"]
        with db.connection() as conn:
            for channel in ("email", "lms"):
                preferences.set_cadence(
                    conn, ana, kind="digest", channel=channel, cadence="off", via="test"
                )
        _complete(runtime, ana, 4, AT - timedelta(days=9))
        report = run(runtime, at=AT)
        assert ("survey", "email") in {
            (p.kind, c) for p in report.plans if not p.skipped for c in p.channels
        }
        run(runtime, at=AT + timedelta(days=1))  # the next day: no second survey this week
        mails = [m["message"] for m in smtp.messages if m["rcpt"][0] == "ana@example.com"]
    [mail] = mails
    assert mail["Subject"].startswith("Did you use this? Where?")
    text = mail.get_body(("plain",)).get_content()
    used = re.search(r"Yes, I used it: (http://lw\.test/delivery/a/\S+)", text)[1]
    client = create_app(runtime).test_client()
    page = client.get(used.removeprefix("http://lw.test"))
    assert page.status_code == 200 and b'name="where"' in page.data and b'name="note"' in page.data
    done = client.post(
        used.removeprefix("http://lw.test"), data={"where": "meeting", "note": "Team retro"}
    )
    assert done.status_code == 200
    too_long = client.post(
        used.removeprefix("http://lw.test"), data={"note": "x" * (surveys.NOTE_MAX_CHARS + 1)}
    )
    assert too_long.status_code == 400 and b"note" in too_long.data
    [response] = surveys.survey_responses(
        db, kind=surveys.APPLICATION, since=AT - timedelta(days=1), until=datetime.now(UTC)
    )
    assert (response.answer, response.where, response.note) == ("used", "meeting", "Team retro")


def test_survey_links_no_questions_for_someone_who_opted_out_of_feedback(make_runtime, org, db):
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        runtime = make_runtime({"email": smtp.settings()})
        ana, ben = org["ana"], org["ben"]
        with db.connection() as conn:
            for person in (ana, ben):
                set_opt_out(
                    conn, runtime.governance.engine, person, "feedback", by=Subject.learner(person)
                )
            for channel in ("email", "lms"):
                preferences.set_cadence(
                    conn, ben, kind="digest", channel=channel, cadence="off", via="test"
                )
        _complete(runtime, ana, 1, AT - timedelta(days=2))
        _complete(runtime, ben, 4, AT - timedelta(days=9))
        report = run(runtime, at=AT)
        mails = {m["rcpt"][0]: m["message"] for m in smtp.messages}
    text = mails["ana@example.com"].get_body(("plain",)).get_content()
    assert "Open: " in text and "/delivery/a/" not in text, "the digest, without questions"
    [survey] = [p for p in report.plans if p.kind == "survey"]
    assert survey.learner_id == ben and survey.skipped.startswith("policy: ")
    assert "feedback" in survey.skipped
    ben_mail = mails["ben@example.com"]  # his nudge before Tuesday's presentation, no survey
    assert "minutes to get ready" in ben_mail["Subject"]
    assert "/delivery/a/" not in ben_mail.get_body(("plain",)).get_content()
