"""The organisation's structure: sizes add up, teams have one manager, same seed same org."""

from __future__ import annotations

import numpy as np
import pytest

from learnwire.plugins.demo.organisation import (
    HEAD_ROLE,
    IC_ROLE,
    TEAM_MANAGER_ROLE,
    build_organisation,
)
from learnwire.plugins.demo.roles import DEPARTMENTS, PROFILES


@pytest.mark.parametrize("size", [50, 60, 2000])
def test_organisation_counts_are_consistent(size):
    org = build_organisation(3, size)
    assert len(org.heads) == len(DEPARTMENTS)
    assert sum(n for _, n in org.departments_with_sizes) == size
    covered = sorted(p for t in org.teams for p in range(t.start, t.stop))
    assert covered == sorted(set(range(size)) - set(org.heads))
    for team in org.teams:
        roles = org.role_of[team.start : team.stop]
        assert roles[0] == TEAM_MANAGER_ROLE and (roles[1:] == IC_ROLE).all()
        assert team.size >= 2
        assert PROFILES[int(org.profile_of[team.manager])].is_manager
        assert org.manager_of(team.start + 1) == team.manager
        assert org.manager_of(team.manager) == org.heads[team.department]
    assert (org.role_of[list(org.heads)] == HEAD_ROLE).all()
    assert len({t.external_id for t in org.teams}) == len(org.teams)


def test_organisation_is_deterministic_per_seed():
    a, b, c = build_organisation(5, 300), build_organisation(5, 300), build_organisation(6, 300)
    assert a.teams == b.teams and np.array_equal(a.profile_of, b.profile_of)
    assert a.teams != c.teams or not np.array_equal(a.profile_of, c.profile_of)


def test_organisation_refuses_sizes_outside_the_supported_range():
    with pytest.raises(ValueError, match="50 to 100000"):
        build_organisation(1, 10)
