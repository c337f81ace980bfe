"""allowed(subject, action, resource, purpose) over random requests: invariants that must
hold whatever is asked."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from learnwire.core.models import DataCategory
from learnwire.policies.access import Resource, Subject, decide
from learnwire.policies.model import ACTIONS, RESOURCES
from learnwire.policies.validation import DEFAULTS_DIR, load_directory

POLICY = load_directory(DEFAULTS_DIR).policy
LEARNING = [c for c, r in POLICY.categories.items() if r.learning_data]
ME, OTHER = uuid.UUID(int=1), uuid.UUID(int=2)

subjects = st.builds(
    Subject,
    role=st.sampled_from([*POLICY.roles, "intruder"]),
    name=st.just("s"),
    learner_id=st.sampled_from([None, ME]),
    scopes=st.one_of(
        st.none(), st.frozensets(st.sampled_from(["read:learner_data", "erase:learner_data"]))
    ),
)
resources = st.builds(
    Resource,
    kind=st.sampled_from(RESOURCES),
    owner=st.sampled_from([None, ME, OTHER]),
    category=st.one_of(st.none(), st.sampled_from(list(DataCategory))),
    managers=st.sampled_from([frozenset(), frozenset({ME})]),
    group_size=st.one_of(st.none(), st.integers(0, 12)),
    name=st.sampled_from([None, "anthropic", "elsewhere"]),
)
purposes = st.sampled_from([*POLICY.purposes, "marketing"])


@given(subjects, st.sampled_from(ACTIONS), resources, purposes)
def test_access_invariants_hold_for_any_request(subject, action, resource, purpose):
    decision = decide(POLICY, subject, action, resource, purpose)
    assert decision.reason
    if not decision.allowed:
        return
    assert purpose in POLICY.purposes and subject.role in POLICY.roles
    if resource.category is not None:
        assert POLICY.serves(resource.category, purpose)
    if resource.kind in ("team_aggregate", "learning_aggregate"):
        assert resource.group_size is not None and resource.group_size >= POLICY.k
    if subject.role == "manager" and resource.kind in ("learner_data", "recommendations"):
        assert resource.owner == subject.learner_id  # never an individual's data
    if subject.scopes is not None:
        assert f"{action}:{resource.kind}" in subject.scopes


@given(subjects, st.sampled_from(LEARNING), st.sampled_from([None, ME, OTHER]))
def test_access_performance_evaluation_of_learning_data_is_always_denied(subject, category, owner):
    resource = Resource("learner_data", owner=owner, category=category)
    decision = decide(POLICY, subject, "read", resource, "performance_evaluation")
    assert not decision.allowed


def test_access_learner_reads_own_data_only():
    me = Subject.learner(ME)
    assert decide(
        POLICY, me, "read", Resource("learner_data", owner=ME), "development_recommendation"
    )
    other = decide(
        POLICY, me, "read", Resource("learner_data", owner=OTHER), "development_recommendation"
    )
    assert not other and "another person" in other.reason
