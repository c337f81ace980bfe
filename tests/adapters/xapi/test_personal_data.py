"""Erasure reaches a person inside other learners' statements (finding 1.7): an instructor,
a team member or an agent as object is stored as the keyed hash of their identifier; after
erasure it is redacted to an ``erased`` account while the other learner's statement stays."""

from __future__ import annotations

import json

import pytest

from learnwire.core.models import IdentityRef
from learnwire.core.personal_data import PersonalDataHolder
from learnwire.core.runtime import Runtime
from learnwire.core.store.identities import IdentityResolver
from learnwire.policies import erasure
from learnwire.policies.access import Subject
from learnwire.policies.engine import engine_for
from learnwire.policies.validation import DEFAULTS_DIR

OFFICER = Subject.compliance("dpo")
TED = {"objectType": "Agent", "mbox": "mailto:ted@example.com"}


@pytest.fixture
def runtime(settings, pm, db, tmp_path):
    """A deployment whose policy keeps instructors and teams (the default drops them)."""
    policy = tmp_path / "policy"
    policy.mkdir()
    for source in DEFAULTS_DIR.glob("*.yaml"):
        text = source.read_text()
        for kept in ("      - context.instructor\n", "      - context.team\n"):
            text = text.replace(kept, "")
        (policy / source.name).write_text(text)
    return Runtime(settings.model_copy(update={"policy_dir": policy}), pm=pm, db=db)


def _statements(statement):
    own = statement(0, email="ted@example.com")
    taught = statement(1, email="ann@example.com")
    taught["context"]["instructor"] = TED
    team = statement(2, email="bob@example.com")
    team["context"]["team"] = {
        "objectType": "Group",
        "member": [TED, {"objectType": "Agent", "mbox": "mailto:cy@example.com"}],
    }
    mentored = statement(3, email="ann@example.com", verb="interacted")
    mentored["object"] = TED
    del mentored["context"]  # platform and language are for Activities only
    return [own, taught, team, mentored]


def test_personal_data_xapi_agent_is_redacted_in_other_learners_statements(
    xapi, runtime, statement
):
    posted = xapi.post(_statements(statement))
    assert posted.status_code == 200, posted.get_data(as_text=True)
    resolver = IdentityResolver(runtime.settings.pseudonym_secret())
    with runtime.db.connection() as conn:
        [ted] = set(resolver.lookup(conn, [IdentityRef(kind="mbox", value=TED["mbox"])]).values())
        needles = erasure.identifiers(conn, ted)
    holders = runtime.collect("register_personal_data", expect=PersonalDataHolder)
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        data = erasure.export(conn, engine, ted, by=OFFICER, holders=holders)
    named = data["held_by"]["xapi"]["named_in_other_statements"]
    assert sorted(p for r in named for p in r["you_appear_as"]) == [
        "context.instructor",
        "context.team.member[]",
        "object",
    ]
    assert "ann@example.com" not in json.dumps(named)
    with runtime.db.connection() as conn:
        report = erasure.erase(conn, engine, ted, by=OFFICER, holders=holders)
    assert report.verified, report.as_dict()
    assert report.redacted == {"xapi.statements_redacted": 3}
    with runtime.db.connection() as conn:
        left, _ = erasure.scan(conn, needles)
        kept = dict(
            conn.execute("SELECT statement_id::text, statement FROM learning_event").fetchall()
        )
    assert left == {}
    assert len(kept) == 3, "the other learners' statements stay; ted's own is gone"
    taught, team, mentored = (kept[str(s["id"])] for s in _statements(statement)[1:])
    assert taught["context"]["instructor"]["account"]["name"] == "erased"
    members = [m["account"]["name"] for m in team["context"]["team"]["member"]]
    assert len(members) == 2 and members[0] == "erased" and members[1] not in needles, (
        "the other member stays; the group is never left without members"
    )
    assert mentored["object"]["account"]["name"] == "erased"
    got = xapi.get(statementId=_statements(statement)[1]["id"])
    assert got.status_code == 200, "a redacted statement is still served as valid xAPI"
