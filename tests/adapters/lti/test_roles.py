"""LTI roles map to learnwire's learner, instructor/manager and administrator."""

from __future__ import annotations

import pytest

from learnwire.adapters.lti.roles import LearnwireRole, learnwire_role

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([LIS + "membership#Learner"], LearnwireRole.LEARNER),
        ([], LearnwireRole.LEARNER),
        ([LIS + "institution/person#Student"], LearnwireRole.LEARNER),
        ([LIS + "membership#Instructor"], LearnwireRole.INSTRUCTOR),
        ([LIS + "membership/Instructor#TeachingAssistant"], LearnwireRole.INSTRUCTOR),
        ([LIS + "membership#Mentor"], LearnwireRole.INSTRUCTOR),
        ([LIS + "membership#Manager"], LearnwireRole.INSTRUCTOR),
        ([LIS + "institution/person#Faculty"], LearnwireRole.INSTRUCTOR),
        (["Instructor"], LearnwireRole.INSTRUCTOR),
        (
            [LIS + "membership#Learner", LIS + "system/person#Administrator"],
            LearnwireRole.ADMINISTRATOR,
        ),
        ([LIS + "institution/person#Administrator"], LearnwireRole.ADMINISTRATOR),
        ([LIS + "membership#Administrator"], LearnwireRole.ADMINISTRATOR),
        ([LIS + "system/person#User"], LearnwireRole.LEARNER),
    ],
)
def test_roles_map_lti_roles(roles, expected):
    assert learnwire_role(roles) is expected


def test_roles_only_learners_cannot_curate():
    assert not LearnwireRole.LEARNER.may_curate
    assert LearnwireRole.INSTRUCTOR.may_curate and LearnwireRole.ADMINISTRATOR.may_curate
