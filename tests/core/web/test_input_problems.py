"""Input the store cannot hold gets a 4xx problem naming the field, on every route of the
JSON API and the forms: NUL characters and lone surrogates, extreme ``at`` times, bodies
nested beyond reason, and feedback from a session whose learner was erased."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from learnwire.core.models import (
    ContentItem,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    Skill,
)
from learnwire.core.sources import ContentBatch, SourceBatch
from learnwire.core.web.app import create_app
from learnwire.core.web.recommendations import SESSION_LEARNER
from learnwire.policies import erasure
from learnwire.policies.access import Subject
from learnwire.policies.engine import engine_for

#: What PostgreSQL text and UTF-8 cannot hold: U+0000 and the UTF-16 surrogate halves.
unstorable = st.one_of(st.just("\x00"), st.integers(0xD800, 0xDFFF).map(chr))
around = st.text(alphabet=st.characters(codec="utf-8"), max_size=6)
bad_text = st.builds(lambda a, bad, b: a + bad + b, around, unstorable, around)
SQL_JOINS = ContentItem(
    provider="library",
    external_id="sql-1",
    title="SQL joins",
    format="video",
    duration_minutes=10,
    launch_url="https://library.example/sql/1",
)


@pytest.fixture
def learner(runtime) -> uuid.UUID:
    fact = HrFact(
        subject=IdentityRef(kind="hr", value="w-1"),
        source="hr",
        data_category=DataCategory.HR_PROFILE,
        occurred_at=datetime.now(UTC),
        fact_type=HrFactType.JOB_PROFILE,
        value="analyst",
    )
    skill = Skill(id="sql", name="SQL", domain="data")
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(skills=[skill], facts=[fact]), source="hr")
        return conn.execute("SELECT id FROM learner").fetchone()[0]


@pytest.fixture
def client(runtime, learner):  # type: ignore[no-untyped-def]
    client = create_app(runtime).test_client()
    with client.session_transaction() as session:
        session[SESSION_LEARNER] = str(learner)
    return client


def _priorities(runtime, learner) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT count(*) FROM hr_fact WHERE learner_id = %s AND fact_type = %s",
            (learner, HrFactType.STATED_PRIORITY.value),
        ).fetchone()[0]


def _raw_json(text: str) -> bytes:
    # json.dumps escapes a lone surrogate as \udXXX, exactly what a client would send.
    return json.dumps({"priorities": {text: 0.5}}).encode()


@hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=bad_text)
def test_input_problems_priorities_refuse_nul_and_lone_surrogates(runtime, learner, client, name):
    response = client.put(
        f"/api/v1/learners/{learner}/priorities",
        data=_raw_json(name),
        content_type="application/json",
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["field"].startswith("priorities.") and problem["field"].endswith("(name)")
    assert "NUL character" in problem["detail"] or "lone surrogate" in problem["detail"]
    assert _priorities(runtime, learner) == 0


@pytest.mark.parametrize(
    ("where", "request_args"),
    [
        ("priorities.sql", {"json": {"priorities": {"sql": "0.5\x00"}}}),
        ("verdict", {"json": {"content_id": str(uuid.UUID(int=1)), "verdict": "useful\ud800"}}),
        ("form parameter verdict", {"data": {"verdict": "dis\x00miss"}}),
        ("query parameter at", {"query_string": {"at": "2026-11-20T09:00:00Z\x00"}}),
    ],
)
def test_input_problems_every_route_names_the_field(runtime, learner, client, where, request_args):
    response = client.post(f"/api/v1/learners/{learner}/feedback", **request_args)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["field"] == where


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "1969-12-31T23:59:59Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-14:00",
        "2200-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "99999-01-01T00:00:00Z",
        "2026-11-20T09:00:00+24:00",
    ],
)
def test_input_problems_extreme_at_times_are_a_400(client, learner, at):
    response = client.get(f"/api/v1/learners/{learner}/recommendations", query_string={"at": at})
    assert response.status_code == 400, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["field"] == "at" and repr(at) in problem["detail"]


def test_input_problems_deeply_nested_bodies_are_a_400(client, learner):
    for depth in (300, 10_000):
        body = "[" * depth + "]" * depth
        response = client.put(
            f"/api/v1/learners/{learner}/priorities", data=body, content_type="application/json"
        )
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "nest" in response.get_json()["detail"]


def test_input_problems_feedback_from_an_erased_learners_session(runtime, learner, client):
    with runtime.db.connection() as conn:
        runtime.intake().store_content(conn, ContentBatch(items=[SQL_JOINS]), provider="library")
        item = conn.execute("SELECT id FROM content_item").fetchone()[0]
        engine = engine_for(runtime)
        erasure.erase(conn, engine, learner, by=Subject.compliance("test-officer"))
    api = f"/api/v1/learners/{learner}"
    rated = client.post(f"{api}/feedback", json={"content_id": str(item), "verdict": "useful"})
    stated = client.put(f"{api}/priorities", json={"priorities": {"sql": 0.5}})
    for response in (rated, stated):
        assert response.status_code == 404, response.get_data(as_text=True)
        assert "erased or never existed" in response.get_json()["detail"]
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM learning_event").fetchone()[0] == 0
