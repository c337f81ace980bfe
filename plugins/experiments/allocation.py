"""Placing people in arms: stratified or matched randomisation, deterministic given the
experiment and the people (pure; the store and the bench both use it).

Strata are the combination of role, seniority and baseline skill band (terciles of the
population's baseline; ``none`` without evidence), or the subset the definition names.

- ``stratified``: within each stratum people are ordered by a hash of (experiment, person)
  and dealt to the arms in blocks, each block's arm order shuffled by a seed derived from the
  experiment, the stratum and the block: arms stay balanced within every stratum.
- ``matched``: within each stratum people are ordered by baseline skill and taken in
  consecutive tuples of one person per arm (the nearest baselines together); each tuple's
  arms are shuffled the same way. Tuples are the matched sets.

The same experiment and people always give the same arms; the store never re-places anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

NO_BASELINE = "none"
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Candidate(Generic[K]):
    key: K
    role: str
    seniority: str
    baseline: float | None


def _hash(*parts: object) -> int:
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def bands(candidates: Sequence[Candidate[K]]) -> tuple[float, float] | None:
    """The tercile cut points of the known baselines (None: fewer than three known)."""
    known = sorted(c.baseline for c in candidates if c.baseline is not None)
    if len(known) < 3:
        return None
    low, high = np.quantile(known, [1 / 3, 2 / 3])
    return float(low), float(high)


def band(baseline: float | None, cuts: tuple[float, float] | None) -> str:
    if baseline is None or cuts is None:
        return NO_BASELINE
    return "low" if baseline <= cuts[0] else "mid" if baseline <= cuts[1] else "high"


def stratum(c: Candidate[K], strata: Sequence[str], cuts: tuple[float, float] | None) -> str:
    parts = {"role": c.role, "seniority": c.seniority, "baseline_skill": band(c.baseline, cuts)}
    return "|".join(f"{s}={parts[s]}" for s in strata) or "all"


def allocate(
    experiment_id: str,
    candidates: Sequence[Candidate[K]],
    arms: Sequence[str],
    *,
    randomisation: str = "stratified",
    strata: Sequence[str] = ("role", "seniority", "baseline_skill"),
) -> dict[K, tuple[str, str]]:
    """key -> (arm, stratum) for every candidate."""
    cuts = bands(candidates)
    groups: dict[str, list[Candidate[K]]] = {}
    for c in candidates:
        groups.setdefault(stratum(c, strata, cuts), []).append(c)
    placed: dict[K, tuple[str, str]] = {}
    for name in sorted(groups):
        people = sorted(groups[name], key=lambda c: _hash(experiment_id, c.key))
        if randomisation == "matched":
            # A stable sort: equal baselines keep the hash order.
            people.sort(key=lambda c: -1.0 if c.baseline is None else c.baseline)
        for block, start in enumerate(range(0, len(people), len(arms))):
            rng = np.random.default_rng(_hash(experiment_id, name, block))
            order = [arms[int(i)] for i in rng.permutation(len(arms))]
            for person, arm in zip(people[start : start + len(arms)], order, strict=False):
                placed[person.key] = (arm, name)
    return placed
