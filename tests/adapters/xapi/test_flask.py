"""The statements resource over HTTP: status codes, headers, immutability, voiding, paging,
and what reaches the store."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime
from email.utils import parsedate_to_datetime

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from learnwire.adapters.xapi import credentials
from learnwire.adapters.xapi.validation import validate_statement
from learnwire.core.intake import IntakeGuard, Rejection
from learnwire.core.models import DataCategory, IdentityRef, PersonRecord
from learnwire.core.sources import SourceBatch

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def _count(db, sql="SELECT count(*) FROM learning_event"):
    with db.connection() as conn:
        return conn.execute(sql).fetchone()[0]


def _void(n, target):
    return {
        "id": str(uuid.UUID(int=10_000 + n)),
        "actor": {"mbox": "mailto:admin@example.com"},
        "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target},
    }


# -- protocol ---------------------------------------------------------------------------------


def test_flask_about_needs_no_credentials_and_names_versions(app):
    response = app.test_client().get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.get_json()["version"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_flask_version_header_is_required(xapi, statement):
    headers = {k: v for k, v in xapi.headers.items() if k != "X-Experience-API-Version"}
    missing = xapi.client.post("/xapi/statements", json=statement(), headers=headers)
    wrong = xapi.client.post(
        "/xapi/statements",
        json=statement(),
        headers={**headers, "X-Experience-API-Version": "0.95"},
    )
    assert missing.status_code == wrong.status_code == 400
    assert missing.get_json()["field"] == "X-Experience-API-Version"
    assert missing.headers["X-Experience-API-Version"] == "1.0.3"


def test_flask_credentials_are_checked(app, db, xapi, statement):
    client = app.test_client()
    anonymous = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert anonymous.mimetype == "application/problem+json"
    wrong = dict(xapi.headers, Authorization="Basic " + "bHdfeDp3cm9uZw==")
    assert client.get("/xapi/statements", headers=wrong).status_code == 401
    with db.connection() as conn:
        [info] = credentials.list_all(conn)
        credentials.revoke(conn, info.key)
    assert xapi.post(statement()).status_code == 401


def test_flask_post_one_and_many_answer_ids_in_order(xapi, statement, db):
    one = xapi.post(statement(0))
    assert one.status_code == 200
    assert one.get_json() == [str(uuid.UUID(int=1))]
    assert "X-Experience-API-Consistent-Through" in one.headers
    batch = [statement(i) for i in range(1, 4)]
    del batch[1]["id"]
    many = xapi.post(batch)
    ids = many.get_json()
    assert many.status_code == 200
    assert ids[0] == batch[0]["id"] and ids[2] == batch[2]["id"]
    uuid.UUID(ids[1])
    assert _count(db) == 4


def test_flask_bad_statement_fails_the_whole_batch_with_the_field(xapi, statement, db):
    batch = [statement(i) for i in range(3)]
    batch[1]["verb"]["id"] = "completed"
    response = xapi.post(batch)
    body = response.get_json()
    assert response.status_code == 400
    assert body["field"] == "[1].verb.id"
    assert "IRI" in body["detail"]
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        (b"{not json", "application/json", "statement"),
        (b"[]", "application/json", "statement"),
        (b"--x\r\n", "multipart/mixed; boundary=x", "Content-Type"),
        (b"a=b", "application/x-www-form-urlencoded", "Content-Type"),
    ],
)
def test_flask_unusable_bodies_are_400(xapi, body, content_type, field):
    response = xapi.client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=xapi.headers
    )
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_flask_identical_replay_is_accepted_without_duplication(xapi, statement, db):
    batch = [statement(i) for i in range(3)]
    assert xapi.post(copy.deepcopy(batch)).status_code == 200
    # The same statements, re-serialised differently: timestamp offset, key order, UUID case.
    again = copy.deepcopy(batch)
    again[0]["timestamp"] = "2026-03-01T10:00:00+01:00"
    again[1]["id"] = again[1]["id"].upper()
    again[2] = dict(reversed(list(again[2].items())))
    again[2]["stored"] = "2030-01-01T00:00:00Z"
    response = xapi.post(again)
    assert response.status_code == 200
    assert response.get_json() == [s["id"] for s in batch]
    assert xapi.put(batch[0], batch[0]["id"]).status_code == 204
    assert _count(db) == 3


def test_flask_different_statement_under_a_stored_id_is_409_and_stores_nothing(xapi, statement, db):
    assert xapi.post(statement(0)).status_code == 200
    changed = statement(0, verb="failed")
    response = xapi.post([statement(1), changed])
    assert response.status_code == 409
    assert str(uuid.UUID(int=1)) in response.get_json()["detail"]
    assert xapi.put(changed, changed["id"]).status_code == 409
    assert _count(db) == 1


def test_flask_same_id_twice_in_a_batch_is_400(xapi, statement, db):
    response = xapi.post([statement(0), statement(1), statement(0)])
    assert response.status_code == 400
    assert response.get_json()["field"] == "[2].id"
    assert _count(db) == 0


def test_flask_put_stores_under_statement_id(xapi, statement, db):
    body = statement(5)
    target = body.pop("id")
    assert xapi.put(body, target).status_code == 204
    assert xapi.get(statementId=target).get_json()["id"] == target
    assert xapi.put(statement(6), target).status_code == 400
    missing = xapi.client.put("/xapi/statements", json=statement(7), headers=xapi.headers)
    assert missing.status_code == 400
    assert missing.get_json()["field"] == "statementId"


# -- reading -------------------------------------------------------------------------------------


def test_flask_get_returns_conformant_pseudonymous_statements(xapi, statement, db):
    sent = statement(0, result={"score": {"raw": 7, "min": 0, "max": 10}, "success": True})
    sent["context"]["instructor"] = {"name": "Ivy Teacher", "mbox": "mailto:ivy@example.com"}
    xapi.post(sent)
    response = xapi.get(statementId=sent["id"])
    got = response.get_json()
    assert response.status_code == 200
    # An HTTP date (RFC 9110), to the second, of when the statement was stored.
    stored = datetime.fromisoformat(got["stored"]).replace(microsecond=0)
    assert parsedate_to_datetime(response.headers["Last-Modified"]) == stored
    BaseXapiStatement.model_validate(got)
    validate_statement(copy.deepcopy(got))
    assert got["actor"]["account"]["homePage"].endswith("/learners")
    assert got["authority"]["account"]["name"] == "moodle-prod"
    assert got["verb"] == sent["verb"] and got["object"] == sent["object"]
    text = json.dumps(got)
    with db.connection() as conn:
        stored = conn.execute("SELECT statement::text FROM learning_event").fetchone()[0]
    for secret in ("ann@example.com", "Ann Example", "ivy@example.com", "Ivy Teacher"):
        assert secret not in text and secret not in stored


def test_flask_text_survives_the_round_trip_exactly(xapi, statement):
    text = 'tab\there, new\nline, back\\slash, "quote", \\N, é, 学习, 😀'
    sent = statement(0)
    sent["object"]["definition"]["name"] = {"en": text}
    sent["object"]["definition"]["description"] = {"en": "\\t\t\r\n"}
    assert xapi.post(sent).status_code == 200
    got = xapi.get(statementId=sent["id"]).get_json()
    assert got["object"] == sent["object"]
    nul = statement(1)
    nul["object"]["definition"]["name"] = {"en": "a\u0000b"}
    assert xapi.post(nul).status_code == 400


def test_flask_single_statement_parameters_are_exclusive(xapi, statement):
    xapi.post(statement(0))
    sid = str(uuid.UUID(int=1))
    assert xapi.get(statementId=sid, voidedStatementId=sid).status_code == 400
    assert xapi.get(statementId=sid, verb="http://x.org/v").status_code == 400
    assert xapi.get(statementId=sid, format="ids").status_code == 200
    assert xapi.get(statementId=str(uuid.uuid4())).status_code == 404
    assert xapi.get(statementId="nope").status_code == 400
    assert xapi.get(colour="blue").status_code == 400


def test_flask_voiding_hides_the_target_but_keeps_it_retrievable(xapi, statement, db):
    xapi.post([statement(0), statement(1)])
    target = str(uuid.UUID(int=1))
    assert xapi.post(_void(0, target)).status_code == 200
    listed = {s["id"] for s in xapi.get().get_json()["statements"]}
    assert target not in listed
    assert str(uuid.UUID(int=2)) in listed and str(uuid.UUID(int=10_000)) in listed
    assert xapi.get(statementId=target).status_code == 404
    assert xapi.get(voidedStatementId=target).get_json()["id"] == target
    assert xapi.get(voidedStatementId=str(uuid.UUID(int=2))).status_code == 404
    # A voiding statement cannot itself be voided.
    xapi.post(_void(1, str(uuid.UUID(int=10_000))))
    assert xapi.get(statementId=str(uuid.UUID(int=10_000))).status_code == 200


def test_flask_statement_arriving_after_its_voiding_is_stored_voided(xapi, statement, db):
    target = str(uuid.UUID(int=1))
    xapi.post(_void(0, target))
    xapi.post(statement(0))
    assert xapi.get(statementId=target).status_code == 404
    assert xapi.get(voidedStatementId=target).status_code == 200


def test_flask_filters_and_more_paging_cover_everything_once(xapi, statement, db):
    batch = [statement(i, verb="passed" if i % 3 == 0 else "experienced") for i in range(23)]
    batch += [statement(100 + i, email="bob@example.com") for i in range(4)]
    for start in range(0, len(batch), 9):
        xapi.post(batch[start : start + 9])
    seen, page = [], xapi.get(limit=5, ascending="true").get_json()
    while True:
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        more = page["more"].split("/xapi/statements", 1)[1]
        page = xapi.client.get("/xapi/statements" + more, headers=xapi.headers).get_json()
    assert sorted(seen) == sorted(s["id"] for s in batch) and len(seen) == len(set(seen))
    stored = [s["stored"] for s in xapi.get(ascending="true").get_json()["statements"]]
    assert stored == sorted(stored)
    newest_first = [s["stored"] for s in xapi.get().get_json()["statements"]]
    assert newest_first == sorted(newest_first, reverse=True)

    passed = xapi.get(verb="http://adlnet.gov/expapi/verbs/passed").get_json()["statements"]
    assert len(passed) == 8
    bob = xapi.get(agent=json.dumps({"mbox": "mailto:bob@example.com"})).get_json()
    assert len(bob["statements"]) == 4
    hashed = json.dumps({"mbox_sha1sum": _sha1("mailto:bob@example.com")})
    assert len(xapi.get(agent=hashed).get_json()["statements"]) == 4
    nobody = json.dumps({"mbox": "mailto:nobody@example.com"})
    assert xapi.get(agent=nobody).get_json() == {"statements": [], "more": ""}
    middle = stored[10]
    assert len(xapi.get(since=middle).get_json()["statements"]) == len(batch) - 11
    assert len(xapi.get(until=middle).get_json()["statements"]) == 11
    course = "https://lms.example.com/course/view.php?id=3"
    assert xapi.get(activity=course).get_json()["statements"] == []
    related = xapi.get(activity=course, related_activities="true").get_json()["statements"]
    assert len(related) == len(batch)
    ids_only = xapi.get(limit=1, format="ids").get_json()["statements"][0]
    assert set(ids_only["verb"]) == {"id"} and set(ids_only["object"]) == {"objectType", "id"}


def test_flask_sources_see_only_their_own_statements(xapi, xapi_client_for, statement):
    xapi.post(statement(0))
    other = xapi_client_for("canvas")
    assert other.get().get_json()["statements"] == []
    assert other.get(statementId=str(uuid.UUID(int=1))).status_code == 404


def test_flask_tampered_more_link_is_400(xapi):
    response = xapi.get(more="bm90IGEgdG9rZW4")
    assert response.status_code == 400
    assert response.get_json()["field"] == "more"


# -- what reaches the store ----------------------------------------------------------------------


def test_flask_verbs_map_to_categories_and_unknown_verbs_are_kept(xapi, statement, db):
    xapi.post(
        [
            statement(0, verb="scored"),
            statement(1, verb="answered"),
            statement(2, verb="completed"),
            statement(3, verb={"id": "https://example.org/verbs/pondered"}),
        ]
    )
    with db.connection() as conn:
        rows = dict(conn.execute("SELECT verb, data_category::text FROM learning_event").fetchall())
    assert rows["http://adlnet.gov/expapi/verbs/scored"] == DataCategory.ASSESSMENT
    assert rows["http://adlnet.gov/expapi/verbs/answered"] == DataCategory.ASSESSMENT
    assert rows["http://adlnet.gov/expapi/verbs/completed"] == DataCategory.BEHAVIOURAL
    assert rows["https://example.org/verbs/pondered"] == DataCategory.BEHAVIOURAL


def test_flask_actor_resolves_to_the_learner_other_sources_know(runtime, xapi, statement, db):
    ann = PersonRecord(
        source="hr",
        identifiers=[
            IdentityRef(kind="workday", namespace="acme", value="W-1"),
            IdentityRef(kind="email", value="Ann@Example.com"),
        ],
    )
    with db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(people=[ann]), source="hr")
    xapi.post([statement(0), statement(1, actor={"mbox_sha1sum": _sha1("mailto:ann@example.com")})])
    with db.connection() as conn:
        learners = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
        owners = conn.execute("SELECT count(DISTINCT learner_id) FROM learning_event").fetchone()[0]
    assert (learners, owners) == (1, 1)


def test_flask_activities_resolve_to_known_content(runtime, xapi, statement, db):
    from learnwire.core.models import ContentItem
    from learnwire.core.sources import ContentBatch

    item = ContentItem(
        provider="moodle",
        external_id="page-12",
        title="Feedback that lands",
        format="article",
        duration_minutes=7,
        launch_url="https://lms.example.com/mod/page/view.php?id=12",
        activity_id="https://lms.example.com/mod/page/view.php?id=12",
    )
    with db.connection() as conn:
        runtime.intake().store_content(conn, ContentBatch(items=[item]), provider="moodle")
    xapi.post([statement(0), statement(1, activity="https://lms.example.com/other")])
    with db.connection() as conn:
        linked = conn.execute(
            "SELECT object_id, content_id IS NOT NULL FROM learning_event"
        ).fetchall()
    assert dict(linked) == {
        "https://lms.example.com/mod/page/view.php?id=12": True,
        "https://lms.example.com/other": False,
    }


class _RefusePondering(IntakeGuard):
    def screen(self, conn, batch, *, source):
        kept = [e for e in batch.events if not e.verb.endswith("/pondered")]
        refused = [
            Rejection("events", i, "pondering is private")
            for i, e in enumerate(batch.events)
            if e.verb.endswith("/pondered")
        ]
        return batch.model_copy(update={"events": kept}), refused


class _GuardPlugin:
    from learnwire import hookimpl

    @hookimpl
    def register_intake_guards(self, settings):
        return [_RefusePondering()]


def test_flask_intake_guards_screen_every_statement(runtime, pm, xapi, statement, db):
    pm.add_plugin(_GuardPlugin(), name="guard")
    pondered = statement(1, verb={"id": "https://example.org/verbs/pondered"})
    response = xapi.post([statement(0), pondered])
    assert response.status_code == 200
    assert response.headers["X-Learnwire-Refused"] == "1"
    assert _count(db) == 1
    assert _count(db, "SELECT count(*) FROM xapi_statement_digest") == 1


def _sha1(text):
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()


def test_flask_concurrent_different_statements_under_one_id_store_one(app, xapi, statement, db):
    import threading

    barrier = threading.Barrier(2)
    statuses = []

    def send(verb):
        client = app.test_client()
        body = [statement(i) for i in range(1, 30)] + [statement(0, verb=verb)]
        barrier.wait()
        response = client.post("/xapi/statements", json=body, headers=xapi.headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(v,)) for v in ("passed", "failed")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200, 409]
    assert _count(db) == 30


def test_flask_deleting_statements_forgets_their_digests(xapi, statement, db):
    xapi.post([statement(i) for i in range(3)])
    with db.connection() as conn:
        conn.execute("DELETE FROM learning_event WHERE statement_id = %s", (uuid.UUID(int=1),))
    assert _count(db, "SELECT count(*) FROM xapi_statement_digest") == 2
