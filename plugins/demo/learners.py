"""Per-person latent profiles: what the simulation knows and learnwire must infer.

A profile holds mastery per skill at the start of the history, learning pace, rhythm
(preferred hours and weekdays in the person's own time zone, usual session length), format
habits, goals and how busy their calendar is. It is drawn from a generator seeded by
``(seed, person)`` alone, so any one person can be regenerated without the others and two
people with the same job profile differ in every one of these respects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .catalogue import FORMATS
from .organisation import HEAD_ROLE, IC_ROLE, Organisation
from .roles import DEPARTMENTS, OFFICES, PROFILE_INDEX, PROFILES
from .taxonomy import DOMAINS, SKILL_INDEX, SKILLS, topological_order

N_SKILLS = len(SKILLS)
_TOPO = topological_order()
_PREREQS = [tuple(SKILL_INDEX[r] for r in s.requires) for s in SKILLS]
_DOMAIN_OF = np.array([DOMAINS.index(s.domain) for s in SKILLS])
# Which taxonomy domain a job family lives in, for the "adjacent knowledge" of a role.
_FAMILY_DOMAIN = {
    "engineering": "engineering",
    "product": "product",
    "data": "data",
    "sales": "communication",
    "customer_success": "communication",
    "people": "management",
    "finance": "data",
    "legal": "compliance",
    "marketing": "product",
    "operations": "communication",
    "leadership": "management",
}
# Local hours people tend to learn at: early, lunch, afternoon, evening.
_HOUR_PEAKS = np.array([8.0, 12.5, 16.0, 20.5])


@dataclass(frozen=True, slots=True)
class Goal:
    skill: int  # taxonomy index
    target: float
    reason: str  # role_gap | career_move | personal_interest


@dataclass(frozen=True)
class LatentProfile:
    person: int
    employee_id: str
    profile: int  # index into roles.PROFILES
    office: int  # index into roles.OFFICES
    tenure_days: int
    mastery: np.ndarray  # float64 per skill, at the start of the history
    learn_rate: float  # multiplies every learning gain
    sessions_per_week: float
    hour_weights: np.ndarray  # 24 local hours, sums to 1
    weekday_weights: np.ndarray  # Monday..Sunday, sums to 1
    session_minutes: float  # usual time given to one session
    format_habits: np.ndarray  # preference over catalogue.FORMATS, sums to 1
    goals: tuple[Goal, ...]
    career_interest: int | None  # index into roles.PROFILES
    busyness: float  # multiplies how many situations fill the calendar

    @property
    def timezone(self) -> str:
        return OFFICES[self.office][1]

    def requirements(self) -> list[tuple[int, float, float]]:
        """(skill index, target level, weight) of the person's job profile."""
        return [(SKILL_INDEX[s], t, w) for s, t, w in PROFILES[self.profile].requirements]


def employee_id(person: int) -> str:
    return f"E{person + 1:06d}"


def latent_profile(org: Organisation, person: int) -> LatentProfile:
    """The latent profile of ``person`` (deterministic in ``(org.seed, person)``)."""
    rng = np.random.default_rng([org.seed, 1, person])
    profile_ix = int(org.profile_of[person])
    spec = PROFILES[profile_ix]
    role = int(org.role_of[person])
    office = org.office_of(person)
    if rng.random() < 0.12:  # some people work remotely from another office's time zone
        office = int(rng.integers(len(OFFICES)))
    median_years = (2.5, 5.0, 8.0)[role]
    tenure_days = int(np.clip(rng.lognormal(np.log(median_years * 365), 0.7), 20, 30 * 365))
    ability = float(rng.normal())
    mastery = _mastery(rng, spec.requirements, spec.family, tenure_days / 365, ability)
    hours = _hour_weights(rng)
    weekdays = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    weekdays[int(rng.integers(5))] *= rng.uniform(1.3, 2.2)  # a favourite weekday
    weekdays[5:] = rng.uniform(0.0, 0.35, size=2)  # some learn at weekends
    goals, interest = _goals(rng, org, person, mastery)
    return LatentProfile(
        person=person,
        employee_id=employee_id(person),
        profile=profile_ix,
        office=office,
        tenure_days=tenure_days,
        mastery=mastery,
        learn_rate=float(np.exp(0.3 * ability + rng.normal(0, 0.15))),
        sessions_per_week=float(np.clip(rng.lognormal(np.log(1.6), 0.6), 0.2, 8.0)),
        hour_weights=hours,
        weekday_weights=weekdays / weekdays.sum(),
        session_minutes=float(np.clip(rng.lognormal(np.log(10.0), 0.4), 3.0, 25.0)),
        format_habits=rng.dirichlet(np.full(len(FORMATS), 1.2)),
        goals=goals,
        career_interest=interest,
        busyness=float(rng.lognormal(0.0, 0.35)),
    )


def _mastery(
    rng: np.random.Generator,
    requirements: tuple[tuple[str, float, float], ...],
    family: str,
    tenure_years: float,
    ability: float,
) -> np.ndarray:
    home = DOMAINS.index(_FAMILY_DOMAIN[family])
    # Adjacent knowledge: higher in the role's home domain, low elsewhere.
    mastery = np.where(
        home == _DOMAIN_OF, rng.beta(2.0, 4.0, N_SKILLS), rng.beta(1.3, 6.0, N_SKILLS)
    )
    experience = 1.0 - np.exp(-tenure_years / 2.5)
    for skill, target, _ in requirements:
        level = target * (0.55 + 0.45 * experience) + rng.normal(0.0, 0.12) + 0.04 * ability
        mastery[SKILL_INDEX[skill]] = max(mastery[SKILL_INDEX[skill]], level)
    spikes = rng.choice(N_SKILLS, size=2, replace=False)  # side interests anyone may have
    mastery[spikes] += rng.uniform(0.15, 0.4, size=2)
    mastery = np.clip(mastery, 0.02, 0.95)
    # Nobody is far ahead of the prerequisites of a skill.
    for s in _TOPO:
        for p in _PREREQS[s]:
            mastery[s] = min(mastery[s], mastery[p] + 0.3)
    return mastery


def _hour_weights(rng: np.random.Generator) -> np.ndarray:
    peaks = rng.dirichlet(np.full(len(_HOUR_PEAKS), 0.6))  # most people have one or two
    centres = _HOUR_PEAKS + rng.normal(0.0, 0.6, len(_HOUR_PEAKS))
    hours = np.arange(24) + 0.5
    weights = (peaks[:, None] * np.exp(-0.5 * ((hours - centres[:, None]) / 1.1) ** 2)).sum(0)
    weights += 1e-3
    return weights / weights.sum()


def _goals(
    rng: np.random.Generator, org: Organisation, person: int, mastery: np.ndarray
) -> tuple[tuple[Goal, ...], int | None]:
    spec = org.profile(person)
    goals: list[Goal] = []
    gaps = [
        ((t - mastery[SKILL_INDEX[s]]) * w, SKILL_INDEX[s], t)
        for s, t, w in spec.requirements
        if t > mastery[SKILL_INDEX[s]]
    ]
    if gaps and rng.random() < 0.8:
        # Not always the largest gap: people pick the one that bothers them.
        gaps.sort(reverse=True)
        _, skill, target = gaps[int(rng.integers(min(3, len(gaps))))]
        goals.append(Goal(skill, round(float(target), 2), "role_gap"))
    interest = None
    if int(org.role_of[person]) != HEAD_ROLE and rng.random() < 0.35:
        interest = _career_interest(rng, org, person)
        target_spec = PROFILES[interest]
        wanted = [
            (SKILL_INDEX[s], t)
            for s, t, _ in target_spec.requirements
            if t - mastery[SKILL_INDEX[s]] > 0.1 and SKILL_INDEX[s] not in {g.skill for g in goals}
        ]
        if wanted:
            skill, target = wanted[int(rng.integers(len(wanted)))]
            goals.append(Goal(skill, round(float(target), 2), "career_move"))
    if rng.random() < 0.45:
        skill = int(rng.integers(N_SKILLS))
        if skill not in {g.skill for g in goals}:
            target = round(float(min(0.9, mastery[skill] + rng.uniform(0.2, 0.4))), 2)
            goals.append(Goal(skill, target, "personal_interest"))
    return tuple(goals), interest


def _career_interest(rng: np.random.Generator, org: Organisation, person: int) -> int:
    """A move into management, or sideways to another role in the department."""
    dept = DEPARTMENTS[int(org.department_of[person])]
    if int(org.role_of[person]) == IC_ROLE and rng.random() < 0.5:
        return PROFILE_INDEX[dept.manager_profile]
    if int(org.role_of[person]) != IC_ROLE:
        return PROFILE_INDEX["department_head"]
    others = [p for p, _ in dept.ic_profiles if PROFILE_INDEX[p] != int(org.profile_of[person])]
    if not others:
        return PROFILE_INDEX[dept.manager_profile]
    return PROFILE_INDEX[others[int(rng.integers(len(others)))]]
