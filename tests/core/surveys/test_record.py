"""Answers land as xAPI-shaped feedback statements through intake: idempotent on replay,
the latest answer wins, free text is scrubbed and bounded, erasure takes them away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learnwire.core import surveys
from learnwire.core.errors import NotFound, ValidationFailed
from learnwire.core.surveys import record
from learnwire.core.surveys.prompts import pending
from learnwire.policies import erasure
from learnwire.policies.access import Subject
from learnwire.policies.consent import set_opt_out

from .conftest import complete, content_id

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
WINDOW = {"since": AT - timedelta(days=30), "until": AT + timedelta(days=1)}


def _statements(runtime, learner):
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT verb, data_category::text, source, content_id, statement "
            "FROM learning_event WHERE learner_id = %s AND data_category = 'feedback' "
            "ORDER BY occurred_at, stored_at",
            (learner,),
        ).fetchall()


def test_record_relevance_is_a_feedback_statement_and_a_replay_stores_nothing(make_runtime, org):
    runtime = make_runtime()
    ana, item = org["ana"], content_id(runtime, 1)
    complete(runtime, ana, 1, AT - timedelta(days=1))
    with runtime.db.connection() as conn:
        [asked] = pending(conn, [ana], at=AT)[ana]
        assert (asked.kind, asked.content_id) == (surveys.RELEVANCE, item)
        first = record.answer_relevance(
            conn, runtime.intake(), learner_id=ana, content_id=item, answer="relevant",
            via="test", at=AT,
        )  # fmt: skip
        again = record.answer_relevance(
            conn, runtime.intake(), learner_id=ana, content_id=item, answer="relevant",
            via="test", at=AT + timedelta(minutes=5),
        )  # fmt: skip
        assert first.stored and not again.stored and again.statement_id == first.statement_id
        assert pending(conn, [ana], at=AT) == {}, "answered: not asked again"
    [(verb, category, source, stored_item, statement)] = _statements(runtime, ana)
    assert verb == surveys.RELEVANCE_VERB and category == "feedback" and source == "surveys"
    assert stored_item == item
    assert statement["id"] == str(first.statement_id)
    assert statement["result"] == {"response": "relevant"}
    assert statement["object"]["id"] == "https://lms.example/activity/1"
    category_activity = statement["context"]["contextActivities"]["category"][0]
    assert category_activity["id"] == surveys.SURVEY_ACTIVITY[surveys.RELEVANCE]
    assert "actor" not in statement or "mbox" not in str(statement["actor"])

    # A change of mind is a new statement; the reader gives the latest answer only.
    with runtime.db.connection() as conn:
        changed = record.answer_relevance(
            conn, runtime.intake(), learner_id=ana, content_id=item, answer="not_relevant",
            via="test", at=AT + timedelta(hours=1),
        )  # fmt: skip
    assert changed.stored and len(_statements(runtime, ana)) == 2
    [latest] = surveys.survey_responses(runtime.db, kind=surveys.RELEVANCE, **WINDOW)
    assert (latest.person_id, latest.content_id, latest.answer) == (ana, item, "not_relevant")
    assert latest.answered_at == AT + timedelta(hours=1)
    assert (
        surveys.survey_responses(
            runtime.db, kind=surveys.RELEVANCE, person_ids=[org["ben"]], **WINDOW
        )
        == []
    )


def test_record_application_after_a_week_with_where_and_a_scrubbed_note(make_runtime, org):
    runtime = make_runtime()
    ben, item = org["ben"], content_id(runtime, 4)
    complete(runtime, ben, 4, AT - timedelta(days=9))
    complete(runtime, ben, 5, AT - timedelta(days=20))  # past the window: never asked
    with runtime.db.connection() as conn:
        asked = pending(conn, [ben], at=AT)[ben]
        assert [(q.kind, q.content_id) for q in asked] == [(surveys.APPLICATION, item)]
        with pytest.raises(ValidationFailed) as too_long:
            record.answer_application(
                conn, runtime.intake(), learner_id=ben, content_id=item, answer="used",
                note="x" * (surveys.NOTE_MAX_CHARS + 1), via="test",
            )  # fmt: skip
        assert too_long.value.field == "note"
        with pytest.raises(ValidationFailed) as bad_place:
            record.answer_application(
                conn, runtime.intake(), learner_id=ben, content_id=item, answer="used",
                where="the moon", via="test",
            )  # fmt: skip
        assert bad_place.value.field == "where"
        done = record.answer_application(
            conn, runtime.intake(), learner_id=ben, content_id=item, answer="used",
            where="meeting", note="  In our\x00 retro,\x07 twice\n", via="test", at=AT,
        )  # fmt: skip
        assert done.stored
        assert pending(conn, [ben], at=AT) == {}
    [answer] = surveys.survey_responses(runtime.db, kind=surveys.APPLICATION, **WINDOW)
    assert (answer.answer, answer.where, answer.note) == ("used", "meeting", "In our retro, twice")
    assert answer.content_id == item and answer.person_id == ben


def test_record_refuses_unknown_answers_and_people(make_runtime, org):
    runtime = make_runtime()
    item = content_id(runtime, 1)
    with runtime.db.connection() as conn:
        with pytest.raises(ValidationFailed) as bad:
            record.answer_relevance(
                conn, runtime.intake(), learner_id=org["ana"], content_id=item,
                answer="maybe", via="test",
            )  # fmt: skip
        assert bad.value.field == "answer"
        with pytest.raises(NotFound):
            record.answer_relevance(
                conn, runtime.intake(), learner_id=item, content_id=item,
                answer="relevant", via="test",
            )  # fmt: skip


def test_record_consent_and_erasure_apply_to_answers(make_runtime, org):
    runtime = make_runtime()
    ana, chris, item = org["ana"], org["chris"], content_id(runtime, 2)
    engine = runtime.governance.engine
    with runtime.db.connection() as conn:
        for person in (ana, chris):
            record.answer_relevance(
                conn, runtime.intake(), learner_id=person, content_id=item,
                answer="relevant", via="test", at=AT,
            )  # fmt: skip
        set_opt_out(conn, engine, chris, "feedback", by=Subject.learner(chris))
        refused = record.answer_relevance(
            conn, runtime.intake(), learner_id=chris, content_id=item,
            answer="not_relevant", via="test", at=AT + timedelta(hours=1),
        )  # fmt: skip
        assert not refused.stored and refused.refused
    with runtime.db.connection() as conn:
        report = erasure.erase(conn, engine, ana, by=Subject.compliance("test-officer"))
    assert report.verified
    left = surveys.survey_responses(runtime.db, kind=surveys.RELEVANCE, **WINDOW)
    assert [(r.person_id, r.answer) for r in left] == [(chris, "relevant")]
