"""Latent profiles: deterministic per seed and person, and genuinely different between
people who share a job profile."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from itertools import combinations

import numpy as np

from learnwire.plugins.demo.learners import latent_profile
from learnwire.plugins.demo.organisation import build_organisation
from learnwire.plugins.demo.situations import upcoming_situations

TODAY = date(2026, 11, 20)


def _same(a, b) -> bool:
    return all(
        np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
        for x, y in zip(a.__dict__.values(), b.__dict__.values(), strict=True)
    )


def test_learners_profiles_are_deterministic_per_seed_and_person():
    org = build_organisation(21, 200)
    for person in (0, 17, 199):
        assert _same(latent_profile(org, person), latent_profile(org, person))
    other = build_organisation(22, 200)
    assert not np.allclose(latent_profile(org, 17).mastery, latent_profile(other, 17).mastery)


def test_learners_with_the_same_role_genuinely_differ():
    org = build_organisation(11, 600)
    people = defaultdict(list)
    for person in range(org.size):
        people[int(org.profile_of[person])].append(person)
    groups = [p[:10] for p in people.values() if len(p) >= 10]
    assert len(groups) >= 5
    for group in groups:
        profiles = [latent_profile(org, p) for p in group]
        pairs = list(combinations(profiles, 2))
        required = [s for s, _, _ in profiles[0].requirements()]
        # Mastery: every pair differs clearly on at least one required skill.
        assert all(np.abs(a.mastery[required] - b.mastery[required]).max() > 0.05 for a, b in pairs)
        # Goals, rhythm, habits and calendars: rarely the same for two people.
        goals = [frozenset((g.skill, g.reason) for g in p.goals) for p in profiles]
        assert sum(a == b for a, b in combinations(goals, 2)) / len(pairs) < 0.3
        peak_hours = Counter(int(np.argmax(p.hour_weights)) for p in profiles)
        assert len(peak_hours) >= 3
        assert len({int(np.argmax(p.format_habits)) for p in profiles}) >= 2
        assert np.std([p.session_minutes for p in profiles]) > 1.0
        pace = np.array([p.sessions_per_week for p in profiles])
        assert pace.std() / pace.mean() > 0.2
        calendars = [
            tuple(sorted(Counter(s.situation for s in upcoming_situations(org, p, TODAY)).items()))
            for p in profiles
        ]
        assert sum(a == b for a, b in combinations(calendars, 2)) / len(pairs) < 0.3
