"""Placing people: deterministic, balanced within strata, matched on baseline."""

from __future__ import annotations

from collections import Counter

import numpy as np

from learnwire.plugins.experiments.allocation import Candidate, allocate


def _people(n: int, seed: int = 0) -> list[Candidate[int]]:
    rng = np.random.default_rng(seed)
    roles, levels = ("analyst", "team-lead"), ("junior", "senior")
    return [
        Candidate(i, roles[i % 2], levels[(i // 2) % 2], float(rng.random()) if i % 7 else None)
        for i in range(n)
    ]


def test_allocation_is_deterministic_given_experiment_and_people():
    people = _people(120)
    first = allocate("exp-a", people, ["lw", "seg"])
    assert first == allocate("exp-a", list(reversed(people)), ["lw", "seg"])
    other = allocate("exp-b", people, ["lw", "seg"])
    assert other != first  # another experiment draws again


def test_allocation_balances_arms_within_every_stratum():
    placed = allocate("exp-a", _people(240), ["lw", "seg", "nocal"])
    strata: dict[str, Counter[str]] = {}
    for arm, stratum in placed.values():
        strata.setdefault(stratum, Counter())[arm] += 1
    assert len(strata) > 4 and all("role=" in s and "baseline_skill=" in s for s in strata)
    for counts in strata.values():
        assert max(counts.values()) - min(counts.get(a, 0) for a in ("lw", "seg", "nocal")) <= 1


def test_allocation_matched_puts_nearest_baselines_in_one_tuple():
    people = [Candidate(i, "r", "s", i / 100) for i in range(40)]
    placed = allocate("exp-m", people, ["a", "b"], randomisation="matched", strata=("role",))
    for pair in range(0, 40, 2):  # sorted by baseline, each consecutive pair is split
        assert {placed[pair][0], placed[pair + 1][0]} == {"a", "b"}
