"""The sample organisation's structure for a given seed and head count.

People are numbered ``0 .. size-1`` department by department: the department head first,
then each team with its manager first. Everything here depends only on ``(seed, size)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ...core.models import OrgUnit
from .roles import DEPARTMENTS, HEAD_PROFILE, OFFICES, PROFILE_INDEX, PROFILES, ProfileSpec

COMPANY_ID = "larkspur"
COMPANY_NAME = "Larkspur Systems"
MIN_LEARNERS = 50
MAX_LEARNERS = 100_000
#: Mean team size including the manager (draws vary around it).
TEAM_SIZE = 8

# Roles in the organisation, per person.
IC_ROLE, TEAM_MANAGER_ROLE, HEAD_ROLE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Team:
    external_id: str
    name: str
    department: int
    office: int
    start: int  # first person (the manager)
    stop: int  # one past the last person

    @property
    def manager(self) -> int:
        return self.start

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Organisation:
    seed: int
    size: int
    teams: tuple[Team, ...]
    heads: tuple[int, ...]  # person index of each department's head
    department_of: np.ndarray  # per person
    team_of: np.ndarray  # per person, -1 for department heads
    role_of: np.ndarray  # IC_ROLE, TEAM_MANAGER_ROLE or HEAD_ROLE
    profile_of: np.ndarray  # index into roles.PROFILES

    def profile(self, person: int) -> ProfileSpec:
        return PROFILES[int(self.profile_of[person])]

    def manager_of(self, person: int) -> int | None:
        """The person's line manager: team manager, department head, or none for heads."""
        role = int(self.role_of[person])
        if role == HEAD_ROLE:
            return None
        if role == TEAM_MANAGER_ROLE:
            return self.heads[int(self.department_of[person])]
        return self.teams[int(self.team_of[person])].manager

    def reports_of(self, person: int) -> range | tuple[int, ...]:
        role = int(self.role_of[person])
        if role == HEAD_ROLE:
            dept = int(self.department_of[person])
            return tuple(t.manager for t in self.teams if t.department == dept)
        if role == TEAM_MANAGER_ROLE:
            team = self.teams[int(self.team_of[person])]
            return range(team.start + 1, team.stop)
        return ()

    def unit_of(self, person: int) -> str:
        """External id of the unit the person belongs to (their team, or department)."""
        if int(self.role_of[person]) == HEAD_ROLE:
            return department_unit_id(int(self.department_of[person]))
        return self.teams[int(self.team_of[person])].external_id

    def office_of(self, person: int) -> int:
        """Home office of the person's team (department heads sit in the first office)."""
        team = int(self.team_of[person])
        return self.teams[team].office if team >= 0 else 0

    @cached_property
    def departments_with_sizes(self) -> list[tuple[str, int]]:
        counts = np.bincount(self.department_of, minlength=len(DEPARTMENTS))
        return [(d.name, int(c)) for d, c in zip(DEPARTMENTS, counts, strict=True)]

    def org_units(self, source: str) -> list[OrgUnit]:
        units = [OrgUnit(source=source, external_id=COMPANY_ID, name=COMPANY_NAME, kind="company")]
        units += [
            OrgUnit(
                source=source,
                external_id=department_unit_id(i),
                name=d.name,
                kind="department",
                parent_external_id=COMPANY_ID,
            )
            for i, d in enumerate(DEPARTMENTS)
        ]
        units += [
            OrgUnit(
                source=source,
                external_id=t.external_id,
                name=t.name,
                kind="team",
                parent_external_id=department_unit_id(t.department),
            )
            for t in self.teams
        ]
        return units


def department_unit_id(department: int) -> str:
    return f"dept-{DEPARTMENTS[department].id}"


def _department_sizes(size: int) -> list[int]:
    """Largest-remainder split of ``size`` by department share, at least 4 each."""
    raw = np.array([d.share for d in DEPARTMENTS]) * size
    sizes = np.maximum(np.floor(raw).astype(int), 4)
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    i = 0
    while sizes.sum() < size:
        sizes[order[i % len(order)]] += 1
        i += 1
    while sizes.sum() > size:  # only when the minimum of 4 pushed us over
        largest = int(np.argmax(sizes))
        sizes[largest] -= 1
    return [int(s) for s in sizes]


def _team_sizes(rng: np.random.Generator, members: int) -> list[int]:
    """Split ``members`` (everyone but the head) into teams of at least 2 around TEAM_SIZE."""
    n_teams = max(1, round(members / TEAM_SIZE))
    share = rng.dirichlet(np.full(n_teams, 12.0))
    sizes = np.maximum(np.floor(share * members).astype(int), 2)
    while sizes.sum() > members:
        sizes[int(np.argmax(sizes))] -= 1
    while sizes.sum() < members:
        sizes[int(rng.integers(n_teams))] += 1
    return [int(s) for s in sizes]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_organisation(seed: int, size: int) -> Organisation:
    """The organisation of ``size`` people for ``seed`` (same inputs, same organisation)."""
    if not MIN_LEARNERS <= size <= MAX_LEARNERS:
        raise ValueError(f"the sample organisation has {MIN_LEARNERS} to {MAX_LEARNERS} people")
    rng = np.random.default_rng([seed, 0])
    office_p = np.array([o[2] for o in OFFICES])
    department_of = np.empty(size, dtype=np.int16)
    team_of = np.full(size, -1, dtype=np.int32)
    role_of = np.zeros(size, dtype=np.int8)
    profile_of = np.empty(size, dtype=np.int16)
    teams: list[Team] = []
    heads: list[int] = []
    person = 0
    for d, (spec, dept_size) in enumerate(zip(DEPARTMENTS, _department_sizes(size), strict=True)):
        heads.append(person)
        department_of[person] = d
        role_of[person] = HEAD_ROLE
        profile_of[person] = PROFILE_INDEX[HEAD_PROFILE]
        person += 1
        ic_ids = [PROFILE_INDEX[p] for p, _ in spec.ic_profiles]
        ic_p = np.array([w for _, w in spec.ic_profiles])
        for k, team_size in enumerate(_team_sizes(rng, dept_size - 1)):
            base = spec.teams[k % len(spec.teams)]
            name = base if k < len(spec.teams) else f"{base} {k // len(spec.teams) + 1}"
            team = Team(
                external_id=f"team-{spec.id}-{_slug(name)}",
                name=name,
                department=d,
                office=int(rng.choice(len(OFFICES), p=office_p)),
                start=person,
                stop=person + team_size,
            )
            teams.append(team)
            members = slice(team.start, team.stop)
            department_of[members] = d
            team_of[members] = len(teams) - 1
            role_of[team.start] = TEAM_MANAGER_ROLE
            profile_of[team.start] = PROFILE_INDEX[spec.manager_profile]
            profile_of[team.start + 1 : team.stop] = rng.choice(ic_ids, size=team_size - 1, p=ic_p)
            person = team.stop
    assert person == size
    return Organisation(
        seed=seed,
        size=size,
        teams=tuple(teams),
        heads=tuple(heads),
        department_of=department_of,
        team_of=team_of,
        role_of=role_of,
        profile_of=profile_of,
    )
