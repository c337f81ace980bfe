"""From statements to learning events: categories, results, object ids, pseudonymisation."""

from __future__ import annotations

import json
import uuid

import pytest

from learnwire.adapters.xapi.mapping import StatementMapper
from learnwire.adapters.xapi.validation import validate_statement
from learnwire.adapters.xapi.verbs import category_of, verb_name
from learnwire.core.models import DataCategory, LearningEvent
from learnwire.core.store.identities import IdentityResolver

LEARNER = uuid.UUID(int=42)


def _event(statement):
    mapper = StatementMapper(IdentityResolver(b"test-key"), "https://learn.example.com/")
    prepared = mapper.prepare(validate_statement(statement), 0, "")
    return mapper.event(prepared, LEARNER, "moodle-prod"), prepared


@pytest.mark.parametrize(
    ("verb", "category"),
    [
        ("http://adlnet.gov/expapi/verbs/scored", DataCategory.ASSESSMENT),
        ("http://adlnet.gov/expapi/verbs/answered", DataCategory.ASSESSMENT),
        ("http://adlnet.gov/expapi/verbs/passed", DataCategory.ASSESSMENT),
        ("http://adlnet.gov/expapi/verbs/failed", DataCategory.ASSESSMENT),
        ("http://adlnet.gov/expapi/verbs/completed", DataCategory.BEHAVIOURAL),
        ("http://adlnet.gov/expapi/verbs/launched", DataCategory.BEHAVIOURAL),
        ("https://w3id.org/xapi/adl/verbs/satisfied", DataCategory.BEHAVIOURAL),
        ("http://id.tincanapi.com/verb/viewed", DataCategory.BEHAVIOURAL),
        ("https://w3id.org/xapi/video/verbs/played", DataCategory.BEHAVIOURAL),
        ("https://example.org/verbs/unheard-of", DataCategory.BEHAVIOURAL),
    ],
)
def test_mapping_verbs_get_their_category(verb, category):
    assert category_of(verb) == category


def test_mapping_known_verbs_have_names():
    assert verb_name("http://id.tincanapi.com/verb/viewed") == "viewed"
    assert verb_name("https://example.org/verbs/unheard-of") is None


def test_mapping_event_equals_a_validated_one(statement):
    sent = statement(
        0,
        verb="scored",
        result={"score": {"raw": 3, "min": 0, "max": 4}, "success": True, "duration": "PT1M30S"},
    )
    event, _ = _event(sent)
    assert LearningEvent.model_validate(event.model_dump()) == event
    assert event.data_category == DataCategory.ASSESSMENT
    assert event.result.score_scaled == 0.75
    assert event.result.duration_seconds == 90
    assert event.result.success is True
    assert event.learner_id == LEARNER and event.subject is None
    assert event.occurred_at.isoformat() == "2026-03-01T09:00:00+00:00"


def test_mapping_pseudonymises_every_agent(statement):
    sent = statement(0)
    sent["context"]["instructor"] = {"name": "Ivy", "mbox": "mailto:ivy@example.com"}
    sent["context"]["team"] = {
        "objectType": "Group",
        "name": "Team A",
        "member": [
            {"mbox": "mailto:bo@example.com"},
            {"account": {"homePage": "https://x.org", "name": "7"}},
        ],
    }
    sent["authority"] = {"mbox": "mailto:lms@example.com"}
    event, _ = _event(sent)
    text = str(event.statement)
    for secret in ("ann@", "Ann Example", "ivy@", "Ivy", "bo@", "Team A", "lms@", "https://x.org"):
        assert secret not in text
    assert event.statement["actor"]["account"] == {
        "homePage": "https://learn.example.com/learners",
        "name": str(LEARNER),
    }
    assert event.statement["context"]["team"]["member"][0]["account"]["homePage"].endswith(
        "/pseudonyms"
    )


def test_mapping_same_identifier_same_pseudonym(statement):
    a = statement(0)
    a["context"]["instructor"] = {"mbox": "mailto:Ivy@Example.com"}
    b = statement(1)
    b["context"]["instructor"] = {
        "mbox_sha1sum": __import__("hashlib").sha1(b"mailto:ivy@example.com").hexdigest()
    }
    first, _ = _event(a)
    second, _ = _event(b)
    assert first.statement["context"]["instructor"] == second.statement["context"]["instructor"]


@pytest.mark.parametrize(
    ("target", "object_id"),
    [
        (
            {"objectType": "StatementRef", "id": "9F1C2A4E-0B7D-4E59-8A3F-2D6C1E0B9A77"},
            "9f1c2a4e-0b7d-4e59-8a3f-2d6c1e0b9a77",
        ),
        (
            {
                "objectType": "SubStatement",
                "actor": {"mbox": "mailto:x@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
                "object": {"id": "https://lms.example.com/session/4"},
            },
            "https://lms.example.com/session/4",
        ),
    ],
)
def test_mapping_object_ids(statement, target, object_id):
    sent = statement(0, object=target)
    del sent["context"]["platform"]
    event, _ = _event(sent)
    assert event.object_id == object_id


def test_mapping_identified_group_actor_is_the_group_it_names(statement):
    group = statement(0, actor={"objectType": "Group", "mbox": "mailto:team@example.com"})
    event, prepared = _event(group)
    assert prepared.subject.kind == "mbox"
    assert prepared.subject.value == "mailto:team@example.com"
    assert event.statement["actor"]["objectType"] == "Group"
    assert "mbox" not in json.dumps(event.statement)


def test_mapping_anonymous_group_actor_is_its_set_of_members(statement):
    members = [{"mbox": "mailto:b@example.com"}, {"mbox": "mailto:a@example.com"}]
    first, one = _event(statement(0, actor={"objectType": "Group", "member": members}))
    _, again = _event(statement(1, actor={"objectType": "Group", "member": members[::-1]}))
    _, other = _event(statement(2, actor={"objectType": "Group", "member": members[:1]}))
    assert one.subject.kind == "xapi_group"
    # The same members in any order are the same group; another set is another one.
    assert again.subject.value == one.subject.value
    assert other.subject.value != one.subject.value
    stored = first.statement["actor"]
    assert stored["objectType"] == "Group"
    assert [m["account"]["homePage"] for m in stored["member"]] == [
        "https://learn.example.com/pseudonyms"
    ] * 2
    assert 'example.com"' not in json.dumps(stored)
