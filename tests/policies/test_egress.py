"""Egress: only listed fields reach an external processor; e-mails never; audited."""

from __future__ import annotations

import pytest

from learnwire.policies import audit
from learnwire.policies.access import Subject
from learnwire.policies.egress import egress_filter, filter_payload
from learnwire.policies.engine import AccessDenied

PAYLOAD = {
    "learner": {
        "name": "Ana Ruiz",
        "email": "ana@example.com",
        "role": "Team lead",
        "stated_goals": ["coach my team", "write to ana@example.com about it"],
        "performance": {"rating": 2},
        "comments": "free text",
        "skills": [{"skill": "feedback", "level": 0.4, "target": 0.8, "note": "secret"}],
    },
    "candidates": [
        {"id": "c1", "title": "Feedback basics", "summary": "...", "author_email": "x@y.org"},
        {"id": "c2", "title": "Hard talks", "skills": ["feedback"]},
    ],
    "debug": {"learner_id": "123"},
}


def test_egress_only_allowed_fields_leave_and_emails_are_blanked(engine):
    result = filter_payload("anthropic", engine.policy.processors["anthropic"], PAYLOAD)
    assert result.payload == {
        "learner": {
            "role": "Team lead",
            "stated_goals": ["coach my team", "write to [redacted] about it"],
            "skills": [{"skill": "feedback", "level": 0.4, "target": 0.8}],
        },
        "candidates": [
            {"id": "c1", "title": "Feedback basics", "summary": "..."},
            {"id": "c2", "title": "Hard talks", "skills": ["feedback"]},
        ],
    }
    assert set(result.dropped) >= {
        "learner.name",
        "learner.email",
        "learner.performance",
        "learner.comments",
        "learner.skills.note",
        "candidates.author_email",
        "debug",
    }
    assert result.redacted == ("learner.stated_goals",)


def test_egress_is_audited_and_unknown_processors_are_refused(db, engine, make_org):
    with db.connection() as conn:
        learner = make_org(conn).learner()
        egress_filter(conn, engine, "anthropic", PAYLOAD, learner_id=learner)
        [entry] = audit.recent(conn)
    assert entry.action == "send:external_processor" and entry.purpose == "external_processing"
    assert "learner.email" in entry.detail["dropped"] and "learner.role" in entry.detail["sent"]
    with db.connection() as conn, pytest.raises(AccessDenied, match="not listed"):
        egress_filter(conn, engine, "openai", PAYLOAD)
    with db.connection() as conn, pytest.raises(AccessDenied):
        egress_filter(conn, engine, "anthropic", PAYLOAD, subject=Subject.learner(learner))
    with db.connection() as conn:
        assert [e.outcome for e in audit.recent(conn)][:2] == ["denied", "denied"]
