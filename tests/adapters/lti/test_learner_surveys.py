"""Micro-surveys on the learner's LTI page: after finishing an item the page asks "was this
relevant to your work now?"; one tap posts, redirects and thanks, the answer lands as a
feedback statement (once, however often the form is replayed), and the question is gone."""

from __future__ import annotations

import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from learnwire.core import surveys
from learnwire.core.models import DataCategory, LearningEvent
from learnwire.core.sources import SourceBatch
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out

from .test_learner_feedback import confirmation, follow, launch_id_of, learner_of

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
library = __import__("learning_library")
sys.path.pop(0)

TITLE = "GROW in practice"


@pytest.fixture
def items(lti_runtime, platform):
    found = library.seed_library(lti_runtime)
    library.give_role(lti_runtime, platform.issuer, "user-1")
    return found


def _finished(runtime, learner, activity, days_ago):
    event = LearningEvent(
        statement_id=uuid.uuid4(),
        learner_id=learner,
        source="lms",
        data_category=DataCategory.BEHAVIOURAL,
        occurred_at=datetime.now(UTC) - timedelta(days=days_ago),
        verb="http://adlnet.gov/expapi/verbs/completed",
        object_id=activity,
        result={"completion": True},
    )
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(events=[event]), source="lms")


def _answers(runtime):
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT learner_id, content_id, verb, statement->'result'->>'response', "
            "statement->'context'->>'platform' FROM learning_event "
            "WHERE data_category = 'feedback' AND source = 'surveys'"
        ).fetchall()


def test_learner_surveys_a_tap_on_the_page_lands_as_a_statement(lti, items, lti_runtime):
    page = lti.launch().get_data(as_text=True)
    assert "A quick question" not in page, "nothing finished, nothing asked"
    launch_id = launch_id_of(page)
    learner = learner_of(lti_runtime, launch_id)
    _finished(lti_runtime, learner, "https://library.example/activities/coaching-1", 1)
    page = lti.client.get(f"/lti/launch/{launch_id}").get_data(as_text=True)
    asked = page.split("A quick question</h2>")[1]
    assert f"<strong>Was this relevant to your work now?</strong> {TITLE}" in asked
    assert f'aria-label="Not relevant now: {TITLE}"' in asked

    form = {"kind": "relevance", "content_id": str(items[TITLE]), "answer": "not_relevant"}
    posted = lti.client.post(f"/lti/launch/{launch_id}/survey", data=form)
    assert posted.headers["Location"].endswith(f"/lti/launch/{launch_id}?done=survey_relevance")
    after = follow(lti.client, posted)
    assert confirmation(after) == "Thanks — your answer shapes what we suggest next."
    assert "A quick question" not in after
    replayed = lti.client.post(f"/lti/launch/{launch_id}/survey", data=form)
    assert replayed.status_code == 303
    [(who, content, verb, answer, platform)] = _answers(lti_runtime)
    assert (who, content, verb, answer) == (
        learner,
        items[TITLE],
        surveys.RELEVANCE_VERB,
        "not_relevant",
    )
    assert platform == "learnwire (lti)"


def test_learner_surveys_application_question_and_bad_answers(lti, items, lti_runtime):
    page = lti.launch().get_data(as_text=True)
    launch_id = launch_id_of(page)
    learner = learner_of(lti_runtime, launch_id)
    _finished(lti_runtime, learner, "https://library.example/activities/coaching-1", 10)
    page = lti.client.get(f"/lti/launch/{launch_id}").get_data(as_text=True)
    assert f"<strong>Did you use this? Where?</strong> {TITLE}" in page
    assert 'name="where"' in page and 'name="note"' in page
    url = f"/lti/launch/{launch_id}/survey"
    base = {"kind": "application", "content_id": str(items[TITLE])}
    wrong = lti.client.post(url, data=base | {"answer": "perhaps"})
    assert wrong.status_code == 400 and "perhaps" in wrong.get_data(as_text=True)
    nul = lti.client.post(url, data=base | {"answer": "used", "note": "a\x00b"})
    assert nul.status_code == 400
    assert _answers(lti_runtime) == []
    done = lti.client.post(url, data=base | {"answer": "used", "where": "customer", "note": "ok"})
    after = follow(lti.client, done)
    assert confirmation(after) == "Thanks for telling us how you used it."
    [response] = surveys.survey_responses(
        lti_runtime.db,
        kind=surveys.APPLICATION,
        since=datetime.now(UTC) - timedelta(days=1),
        until=datetime.now(UTC) + timedelta(minutes=1),
    )
    assert (response.person_id, response.where, response.note) == (learner, "customer", "ok")


def test_learner_surveys_nothing_asked_of_someone_who_opted_out_of_feedback(
    lti, items, lti_runtime
):
    page = lti.launch().get_data(as_text=True)
    launch_id = launch_id_of(page)
    learner = learner_of(lti_runtime, launch_id)
    _finished(lti_runtime, learner, "https://library.example/activities/coaching-1", 1)
    assert "A quick question" in lti.client.get(f"/lti/launch/{launch_id}").get_data(as_text=True)
    with lti_runtime.db.connection() as conn:
        engine = lti_runtime.governance.engine
        set_opt_out(conn, engine, learner, "feedback", by=Subject.learner(learner))
    page = lti.client.get(f"/lti/launch/{launch_id}").get_data(as_text=True)
    assert "A quick question" not in page
    form = {"kind": "relevance", "content_id": str(items[TITLE]), "answer": "relevant"}
    refused = lti.client.post(f"/lti/launch/{launch_id}/survey", data=form)
    assert refused.status_code == 403 and "not stored" in refused.get_data(as_text=True)
    assert _answers(lti_runtime) == []
