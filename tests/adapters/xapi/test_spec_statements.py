"""What real statements need (issue 17, section 2), tested with the specifications' own
examples: empty values, e-mail syntax, Groups, headers and request forms, what the
specification forbids, versions 1.0.x and 2.0.0, and the documented privacy round trip."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import uuid
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from learnwire.adapters.xapi.resource import DROPPED_HEADER, PRIVACY_EXTENSION


def _examples() -> Any:
    name = "lw_xapi_spec_examples"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("spec_examples.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


EX = _examples()


def example(name: str, **changes: Any) -> dict[str, Any]:
    statement = copy.deepcopy(getattr(EX, name))
    statement.update(changes)
    return statement


def _id() -> str:
    return str(uuid.uuid4())


def _get_one(xapi: Any, statement_id: str) -> dict[str, Any]:
    response = xapi.get(statementId=statement_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# -- 2.1 empty values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s["object"].update(definition={}),
        lambda s: s["object"]["definition"].update(extensions={}),
        lambda s: s["object"]["definition"]["name"].update({"en-US": ""}),
        lambda s: s["object"]["definition"].update(description={}),
        lambda s: s.update(result={"response": ""}),
        lambda s: s.update(result={}),
        lambda s: s.update(context={"extensions": {}}),
        lambda s: s["verb"].update(display={"en-US": ""}),
        lambda s: s["actor"].update(name=""),
    ],
)
def test_spec_empty_values_are_valid_where_the_spec_allows_them(xapi, change):
    statement = example("SIMPLE", id=_id())
    change(statement)
    response = xapi.post(statement)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s["object"].update(id=""), "object.id"),
        (lambda s: s["verb"].update(id=""), "verb.id"),
        (lambda s: s["actor"].update(mbox="mailto:"), "actor.mbox"),
        (lambda s: s.update(timestamp=""), "timestamp"),
        (lambda s: s.update(result={"duration": ""}), "result.duration"),
        (lambda s: s["verb"].update(display={"": "sent"}), "verb.display."),
    ],
)
def test_spec_formats_never_take_the_empty_string(xapi, change, field):
    statement = example("SIMPLE", id=_id())
    change(statement)
    response = xapi.post(statement)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


# -- 2.2 mailto syntax, not deliverability ------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["ann@corp.local", "admin@localhost", "qa@lms.test", "ann@example.com"]
)
def test_spec_intranet_addresses_are_valid_actors(xapi, address):
    statement = example("SIMPLE", id=_id())
    statement["actor"]["mbox"] = f"mailto:{address}"
    assert xapi.post(statement).status_code == 200


# -- 2.3 Groups -----------------------------------------------------------------------------------


def test_spec_identified_group_actor_is_stored_as_that_group(xapi):
    statement = example("LONG_GROUP_ACTOR")
    assert xapi.post(statement).status_code == 200
    got = _get_one(xapi, statement["id"])
    assert got["actor"]["objectType"] == "Group"
    assert len(got["actor"]["member"]) == 3
    again = example("LONG_GROUP_ACTOR", id=_id())
    assert xapi.post(again).status_code == 200
    # One group, one pseudonymous learner, whoever its members are today.
    assert _get_one(xapi, again["id"])["actor"]["account"] == got["actor"]["account"]
    assert "teampb@example.com" not in json.dumps(got)


def test_spec_anonymous_group_actor_is_its_set_of_members(xapi):
    members = [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]
    one = example("SIMPLE", id=_id(), actor={"objectType": "Group", "member": members})
    two = example("SIMPLE", id=_id(), actor={"objectType": "Group", "member": members[::-1]})
    solo = example("SIMPLE", id=_id(), actor={"mbox": "mailto:a@example.com"})
    assert xapi.post([one, two, solo]).status_code == 200
    first, second, person = (_get_one(xapi, s["id"])["actor"] for s in (one, two, solo))
    assert first["objectType"] == "Group"
    assert first["account"] == second["account"]
    assert first["account"] != person["account"]


def test_spec_group_as_instructor_and_as_substatement_object(xapi):
    with_instructor = example("SIMPLE", id=_id())
    with_instructor["context"] = {"instructor": example("GROUP_OBJECT")}
    sub = example("SUBSTATEMENT", id=_id())
    sub["object"]["object"] = example("GROUP_OBJECT")
    response = xapi.post([with_instructor, sub, example("SUBSTATEMENT", id=_id())])
    assert response.status_code == 200, response.get_json()
    got = _get_one(xapi, sub["id"])
    assert got["object"]["object"]["objectType"] == "Group"
    assert "andrew@example.com" not in json.dumps(got)


def test_spec_substatement_cannot_hold_a_substatement(xapi):
    nested = example("SUBSTATEMENT", id=_id())
    nested["object"]["object"] = copy.deepcopy(nested["object"])
    response = xapi.post(nested)
    assert response.status_code == 400
    assert response.get_json()["field"] == "object.object.objectType"


# -- 2.4 headers and request forms -------------------------------------------------------------


def test_spec_consistent_through_on_every_statements_response(app, xapi):
    answers = [
        xapi.post(example("SIMPLE", id=_id())),
        xapi.get(),
        xapi.get(statementId=_id()),  # 404
        xapi.post({"actor": {}}),  # 400
        app.test_client().get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"}),
        xapi.client.get(
            "/xapi/statements", headers={"Authorization": xapi.headers["Authorization"]}
        ),
    ]
    assert [a.status_code for a in answers] == [200, 200, 404, 400, 401, 400]
    for answer in answers:
        assert answer.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_spec_head_is_get_without_a_body_and_never_stores(xapi, db):
    statement = example("SIMPLE", id=_id())
    assert xapi.post(statement).status_code == 200
    head = xapi.client.head(
        "/xapi/statements", query_string={"statementId": statement["id"]}, headers=xapi.headers
    )
    get = xapi.get(statementId=statement["id"])
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    sneaky = example("SIMPLE", id=_id())
    head = xapi.client.head(
        "/xapi/statements",
        query_string={"statementId": sneaky["id"]},
        json=sneaky,
        headers=xapi.headers,
    )
    assert head.status_code == 404
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learning_event").fetchone()[0] == 1


def test_spec_alternate_request_syntax(xapi):
    statement = example("SIMPLE")
    del statement["id"]
    wanted = _id()
    form = {
        "Authorization": xapi.headers["Authorization"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "statementId": wanted,
        "content": json.dumps(statement),
    }
    put = xapi.client.post(
        "/xapi/statements?method=PUT",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert put.status_code == 204, put.get_json()
    form = {k: v for k, v in form.items() if k not in ("content", "Content-Type")}
    get = xapi.client.post(
        "/xapi/statements?method=GET",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert get.status_code == 200
    assert get.get_json()["id"] == wanted
    mixed = xapi.client.post(
        f"/xapi/statements?method=GET&statementId={wanted}",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert mixed.status_code == 400


def test_spec_last_modified_is_an_http_date_and_more_is_root_relative(xapi):
    assert xapi.post([example("SIMPLE", id=_id()) for _ in range(3)]).status_code == 200
    page = xapi.get(limit=2)
    more = page.get_json()["more"]
    assert more.startswith("/xapi/statements?more=")
    parsedate_to_datetime(page.headers["Last-Modified"])
    rest = xapi.client.get(more, headers=xapi.headers).get_json()
    assert len(rest["statements"]) == 1 and rest["more"] == ""


# -- 2.5 what the specification forbids, and arrays on GET --------------------------------------


def test_spec_authority_must_be_an_agent_or_an_oauth_pair(xapi):
    two = [{"mbox": "mailto:app@example.com"}, {"mbox": "mailto:user@example.com"}]
    pair = {"objectType": "Group", "member": two}
    three = {"objectType": "Group", "member": [*two, {"mbox": "mailto:x@example.com"}]}
    named = {"objectType": "Group", "mbox": "mailto:g@example.com", "member": two}
    assert xapi.post(example("SIMPLE", id=_id(), authority=pair)).status_code == 200
    for bad in (three, named, {"name": "nobody"}):
        response = xapi.post(example("SIMPLE", id=_id(), authority=bad))
        assert response.status_code == 400
        assert response.get_json()["field"] == "authority"


def test_spec_voided_verb_needs_a_statement_ref(xapi):
    voiding = example("SIMPLE", id=_id(), verb={"id": "http://adlnet.gov/expapi/verbs/voided"})
    response = xapi.post(voiding)
    assert response.status_code == 400
    assert response.get_json()["field"] == "object.objectType"


def test_spec_single_context_activity_comes_back_as_an_array(xapi):
    statement = example("SIMPLE", id=_id())
    statement["context"] = {
        "contextActivities": {"parent": {"id": "http://example.adlnet.gov/xapi/example/test1"}}
    }
    sub = example("SUBSTATEMENT", id=_id())
    sub["object"]["context"] = copy.deepcopy(statement["context"])
    assert xapi.post([statement, sub]).status_code == 200
    for got in (_get_one(xapi, statement["id"]), _get_one(xapi, sub["id"])["object"]):
        assert got["context"]["contextActivities"]["parent"] == [
            {"id": "http://example.adlnet.gov/xapi/example/test1"}
        ]


# -- 2.6 versions --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"])
def test_spec_versions_are_accepted_and_answered(xapi, version):
    response = xapi.client.post(
        "/xapi/statements",
        json=example("SIMPLE", id=_id()),
        headers={**xapi.headers, "X-Experience-API-Version": version},
    )
    assert response.status_code == 200
    expected = "2.0.0" if version == "2.0.0" else "1.0.3"
    assert response.headers["X-Experience-API-Version"] == expected


def _post_as(xapi: Any, version: str, statement: dict[str, Any]) -> Any:
    return xapi.client.post(
        "/xapi/statements",
        json=statement,
        headers={**xapi.headers, "X-Experience-API-Version": version},
    )


def test_spec_2_0_timestamps_need_their_offset(xapi):
    local = example("SIMPLE", id=_id(), timestamp="2015-11-18T12:17:00")
    assert _post_as(xapi, "1.0.3", copy.deepcopy(local)).status_code == 200
    answer = _post_as(xapi, "2.0.0", example("SIMPLE", id=_id(), timestamp="2015-11-18T12:17:00"))
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "timestamp"
    assert _post_as(xapi, "2.0.0", example("SIMPLE", id=_id())).status_code == 200


def test_spec_2_0_context_agents_and_groups(xapi):
    statement = example("SIMPLE", id=_id(), context=example("CONTEXT_AGENTS_2"))
    assert _post_as(xapi, "1.0.3", copy.deepcopy(statement)).status_code == 400
    assert _post_as(xapi, "2.0.0", statement).status_code == 200
    got = _get_one(xapi, statement["id"])
    assert got["version"] == "2.0.0"
    agent = got["context"]["contextAgents"][0]
    assert agent["relevantTypes"] == ["https://example.com/xapi/roles/observer"]
    assert agent["agent"]["account"]["homePage"].endswith("/pseudonyms")
    assert "player-" not in json.dumps(got)
    bad = example("SIMPLE", id=_id(), context=example("CONTEXT_AGENTS_2"))
    bad["context"]["contextAgents"][0]["relevantTypes"] = []
    response = _post_as(xapi, "2.0.0", bad)
    assert response.status_code == 400
    assert response.get_json()["field"] == "context.contextAgents[0].relevantTypes"


# -- 2.7 the privacy round trip ----------------------------------------------------------------


def test_spec_about_describes_the_privacy_alteration(app):
    about = app.test_client().get("/xapi/about").get_json()
    assert "2.0.0" in about["version"] and "1.0.3" in about["version"]
    privacy = about["extensions"][PRIVACY_EXTENSION]
    assert "pseudonymous" in privacy["actor"] and DROPPED_HEADER in privacy["policy"]


def test_spec_post_names_the_fields_the_policy_dropped(xapi):
    statement = example("LONG_GROUP_ACTOR")
    response = xapi.post(statement)
    assert response.status_code == 200
    dropped = set(response.headers.get(DROPPED_HEADER, "").split(", ")) - {""}
    got = _get_one(xapi, statement["id"])
    assert dropped, "the default policy minimises statements"
    for path in ("result.response", "result.extensions", "context.instructor", "context.team"):
        parent, leaf = path.split(".")
        assert (path in dropped) == (leaf not in got.get(parent, {})), path
    assert not any(p.startswith("actor") for p in dropped)


def test_spec_get_by_the_actor_get_returned_finds_the_statement(xapi):
    statements = [example("SIMPLE", id=_id()) for _ in range(3)]
    statements[2]["actor"] = {"mbox": "mailto:someone.else@example.com"}
    assert xapi.post(statements).status_code == 200
    actor = _get_one(xapi, statements[0]["id"])["actor"]
    found = xapi.get(agent=json.dumps(actor)).get_json()["statements"]
    assert {s["id"] for s in found} == {statements[0]["id"], statements[1]["id"]}
    group = example("LONG_GROUP_ACTOR", id=_id())
    assert xapi.post(group).status_code == 200
    group_actor = _get_one(xapi, group["id"])["actor"]
    found = xapi.get(agent=json.dumps(group_actor)).get_json()["statements"]
    assert [s["id"] for s in found] == [group["id"]]


def test_spec_statement_version_is_checked_by_the_version_spoken(xapi):
    assert _post_as(xapi, "1.0.3", example("SIMPLE", id=_id(), version="1.0")).status_code == 200
    refused = _post_as(xapi, "1.0.3", example("SIMPLE", id=_id(), version="2.0.0"))
    assert refused.status_code == 400
    assert refused.get_json()["field"] == "version"
    kept = example("SIMPLE", id=_id(), version="2.0.0")
    assert _post_as(xapi, "2.0.0", kept).status_code == 200
    assert _get_one(xapi, kept["id"])["version"] == "2.0.0"
