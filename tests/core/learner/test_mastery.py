"""Mastery kept current on intake: one answer at a time, in log-odds, exact on long runs."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from learnwire.core.learner import mastery
from learnwire.core.learner.bkt import DEFAULT_PARAMS, logit, logit_update
from learnwire.core.models import DataCategory, IdentityRef, LearningEvent, Skill
from learnwire.core.sources import SourceBatch

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _exact_mastery(responses) -> Fraction:
    prior, learn, guess, slip, forget = (Fraction(v) for v in DEFAULT_PARAMS.as_array())
    known = prior
    for r in responses:
        like1, like0 = (1 - slip, guess) if r else (slip, 1 - guess)
        post = known * like1 / (known * like1 + (1 - known) * like0)
        known = post * (1 - forget) + (1 - post) * learn
    return known


def test_mastery_on_intake_comes_back_down_after_sixty_right_and_a_hundred_wrong(runtime, db):
    # No forgetting (the defaults): stored as a probability, mastery rounded to 1.0 after the
    # right answers and stayed there through every wrong one.
    ref = IdentityRef(kind="demo", value="long-run")
    responses = [True] * 60 + [False] * 100
    events = [
        LearningEvent(
            statement_id=uuid.uuid4(),
            subject=ref,
            source="demo",
            data_category=DataCategory.ASSESSMENT,
            occurred_at=NOW - timedelta(minutes=len(responses) - k),
            verb="http://adlnet.gov/expapi/verbs/answered",
            object_id=f"https://lms.example/q{k}",
            skill_ids=["sql"],
            result={"success": ok},
        )
        for k, ok in enumerate(responses)
    ]
    intake = runtime.intake()
    with db.connection() as conn:
        intake.store(
            conn, SourceBatch(skills=[Skill(id="sql", name="SQL", domain="data")]), source="demo"
        )
        # In two batches, as statements arrive: the second starts from the stored state.
        intake.store(conn, SourceBatch(events=events[:70]), source="demo")
        intake.store(conn, SourceBatch(events=events[70:]), source="demo")
        p, x, n = conn.execute(
            "SELECT p_mastery, logit_mastery, n_events FROM learner_skill_mastery"
        ).fetchone()
    exact = _exact_mastery(responses)
    assert n == 160
    assert p == pytest.approx(float(exact), rel=1e-6) and p < 0.2
    assert x == pytest.approx(logit(float(exact)), rel=1e-9)


def test_mastery_on_intake_concurrent_batches_for_one_learner_lose_no_answer(runtime, db):
    # Two requests for the same learner and skill, the second starting while the first is
    # still open: the second must wait and build on the first, not overwrite it.
    learner = uuid.uuid4()
    with db.connection() as conn:
        conn.execute("INSERT INTO learner (id) VALUES (%s)", (learner,))
        runtime.intake().store(
            conn, SourceBatch(skills=[Skill(id="sql", name="SQL", domain="data")]), source="demo"
        )
    first = [(learner, ["sql"], True, NOW - timedelta(minutes=10 - k)) for k in range(3)]
    second = [(learner, ["sql"], False, NOW + timedelta(minutes=k)) for k in range(2)]
    done = threading.Event()

    def later() -> None:
        with db.connection() as other:
            mastery.update_for_events(other, second)
        done.set()

    with db.connection() as conn:
        mastery.update_for_events(conn, first)
        thread = threading.Thread(target=later)
        thread.start()
        assert not done.wait(1.0), "the second request did not wait for the first"
    thread.join(30)
    assert done.is_set()
    with db.connection() as conn:
        x, n = conn.execute(
            "SELECT logit_mastery, n_events FROM learner_skill_mastery WHERE learner_id = %s",
            (learner,),
        ).fetchone()
    assert n == 5
    state = logit(DEFAULT_PARAMS.prior)
    for ok in [True] * 3 + [False] * 2:
        state = logit_update(state, ok, DEFAULT_PARAMS)
    assert x == pytest.approx(state)
