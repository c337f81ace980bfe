"""The privacy API: bearer tokens, role and scope checks, problem+json refusals."""

from __future__ import annotations

import uuid

import pytest

from learnwire.core.web.app import create_app
from learnwire.policies import audit, tokens


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


def _token(db, engine, role, scopes=()):
    with db.connection() as conn:
        _, secret = tokens.create(
            conn, engine.policy, name=f"{role}-svc", role=role, scopes=list(scopes), created_by="t"
        )
    return {"Authorization": f"Bearer {secret}"}


def test_http_compliance_token_exports_and_erases(client, db, engine, make_org):
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        org.event(learner)
    auth = _token(db, engine, "compliance_officer")
    exported = client.get(f"/api/v1/privacy/learners/{learner}/export", headers=auth)
    assert exported.status_code == 200 and exported.json["tables"]["learning_event"]
    page = client.get(f"/api/v1/privacy/learners/{learner}/export?format=html", headers=auth)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<h2 id="learning_event">' in page.get_data(as_text=True)
    odd = client.get(f"/api/v1/privacy/learners/{learner}/export?format=pdf", headers=auth)
    assert odd.status_code == 400 and odd.mimetype == "application/problem+json"
    util = client.get(f"/api/v1/privacy/learners/{learner}/utilisation", headers=auth)
    assert util.status_code == 200 and util.json["purpose"] == "development_recommendation"
    put = client.put(f"/api/v1/privacy/learners/{learner}/opt-outs/calendar", headers=auth)
    assert put.json["opted_out"] == ["calendar"]
    erased = client.post(f"/api/v1/privacy/learners/{learner}/erasure", headers=auth)
    assert erased.status_code == 200 and erased.json["verification"]["verified"]
    again = client.post(f"/api/v1/privacy/learners/{learner}/erasure", headers=auth)
    assert again.status_code == 200, "erasure is idempotent: a second run re-verifies"
    assert again.json["state"] == "already_erased" and again.json["verification"]["verified"]
    never = client.post(f"/api/v1/privacy/learners/{uuid.uuid4()}/erasure", headers=auth)
    assert never.status_code == 404 and never.mimetype == "application/problem+json"
    verify = client.get("/api/v1/privacy/audit/verify", headers=auth)
    assert verify.status_code == 200 and verify.json["ok"]


def test_http_refusals_are_problem_details_and_audited(client, db, engine, make_org):
    with db.connection() as conn:
        learner = make_org(conn).learner()
    url = f"/api/v1/privacy/learners/{learner}/erasure"
    missing = client.post(url)
    assert missing.status_code == 401 and "Bearer" in missing.json["detail"]
    wrong = client.post(url, headers={"Authorization": "Bearer lwt_" + "0" * 32 + "_" + "x" * 40})
    assert wrong.status_code == 401
    service = client.post(url, headers=_token(db, engine, "service"))
    assert service.status_code == 403 and service.mimetype == "application/problem+json"
    scoped = _token(db, engine, "compliance_officer", ["export:learner_data"])
    assert client.post(url, headers=scoped).status_code == 403
    assert (
        client.get(f"/api/v1/privacy/learners/{learner}/export", headers=scoped).status_code == 200
    )
    bad = client.get("/api/v1/privacy/learners/not-a-uuid/export", headers=scoped)
    assert bad.status_code == 400 and bad.json["field"] == "learner_id"
    unknown_family = client.put(
        f"/api/v1/privacy/learners/{learner}/opt-outs/astrology",
        headers=_token(db, engine, "compliance_officer"),
    )
    assert (
        unknown_family.status_code == 400
        and "unknown signal family" in unknown_family.json["detail"]
    )
    with db.connection() as conn:
        denied = [e for e in audit.recent(conn) if e.outcome == "denied"]
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 1
    assert len(denied) == 2


def test_http_revoked_token_is_refused(client, db, engine):
    auth = _token(db, engine, "compliance_officer")
    with db.connection() as conn:
        [token] = tokens.list_tokens(conn)
        tokens.revoke(conn, token.id)
    response = client.get(f"/api/v1/privacy/learners/{uuid.uuid4()}/export", headers=auth)
    assert response.status_code == 401 and "revoked" in response.json["detail"]
