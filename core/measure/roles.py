"""The same figures per role, so no group is served worse without anyone seeing it.

A role with fewer than k people shows nothing. For each role of at least k people, a few
outcomes are compared with everyone else's: the difference of means with Welch's interval,
Bonferroni-adjusted over every comparison the report makes (roles x outcomes), so that
scanning thirty roles on six outcomes does not flag one by chance. A role is flagged when
the whole interval lies on the worse side by at least :data:`NOTABLE` of the others' mean:
a difference both real and large enough to act on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from uuid import UUID

import numpy as np
from pydantic import BaseModel, ConfigDict

from . import stats
from .beyond import Recommendations
from .figures import Outcomes, group_outcomes
from .outcomes import PersonOutcome
from .stats import Estimate

NO_ROLE = "no role recorded"
#: How much worse than everyone else, relative to their mean, counts as notably worse.
NOTABLE = 0.10


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Flag(_Out):
    metric: str
    difference: Estimate
    text: str


class RoleOutcomes(_Out):
    role_id: str | None
    role_name: str
    #: None: fewer than k people hold the role (nothing about it is shown).
    outcomes: Outcomes | None
    flags: list[Flag]


def _latest_gain(o: PersonOutcome) -> float | None:
    gains = [m.gain for m in o.mastery if m.gain is not None]
    return gains[-1] if gains else None


def _reached(o: PersonOutcome) -> float | None:
    if o.proficient is None or o.proficient_at_start:
        return None
    return 1.0 if o.proficient else 0.0


#: (metric, what a person contributes or None, what "worse" means in words). Higher is
#: better for each.
COMPARED: list[tuple[str, Callable[[PersonOutcome], float | None], str]] = [
    ("completions per person", lambda o: float(o.completions), "finish fewer items"),
    ("active day share", lambda o: o.active_day_share, "are active on fewer days"),
    ("mastery gain", _latest_gain, "gain less on their role's skills"),
    ("reached proficiency", _reached, "reach their role's levels less often"),
    ("relevance rate", lambda o: o.relevance_rate, "find what they get less relevant"),
    ("application rate", lambda o: o.application_rate, "apply what they learn less often"),
]


def role_outcomes(
    outcomes: dict[UUID, PersonOutcome],
    recs: Recommendations,
    names: dict[str, str],
    *,
    k: int,
) -> list[RoleOutcomes]:
    groups: dict[str | None, list[PersonOutcome]] = defaultdict(list)
    for o in outcomes.values():
        groups[o.role_id].append(o)
    everyone = list(outcomes.values())
    table = _values(everyone)
    role_of = np.array([o.role_id or "" for o in everyone], dtype=object)
    total = len(outcomes)
    compared = sum(1 for g in groups.values() if len(g) >= k and total - len(g) >= k)
    comparisons = max(1, compared * len(COMPARED))
    out = []
    for role in sorted(groups, key=lambda r: (r is None, names.get(r or "", r or ""))):
        members = groups[role]
        name = NO_ROLE if role is None else names.get(role, role)
        if len(members) < k:
            out.append(RoleOutcomes(role_id=role, role_name=name, outcomes=None, flags=[]))
            continue
        mask = role_of == (role or "")
        out.append(
            RoleOutcomes(
                role_id=role,
                role_name=name,
                outcomes=group_outcomes(members, recs, k=k),
                flags=_flags(table[mask], table[~mask], name, k=k, comparisons=comparisons),
            )
        )
    return out


def flags(
    members: list[PersonOutcome],
    rest: list[PersonOutcome],
    name: str,
    *,
    k: int,
    comparisons: int = 1,
) -> list[Flag]:
    """The compared outcomes on which ``members`` do notably worse than ``rest``: the
    interval of (role - rest), at 95% over ``comparisons``, lies wholly below minus
    :data:`NOTABLE` of the rest's mean."""
    return _flags(_values(members), _values(rest), name, k=k, comparisons=comparisons)


def _values(outcomes: list[PersonOutcome]) -> np.ndarray:
    """People x compared outcomes (NaN where a person has none)."""
    return np.array(
        [
            [math.nan if (v := value(o)) is None else v for _, value, _ in COMPARED]
            for o in outcomes
        ],
        np.float64,
    ).reshape(len(outcomes), len(COMPARED))


def _flags(
    mine: np.ndarray, theirs: np.ndarray, name: str, *, k: int, comparisons: int
) -> list[Flag]:
    found = []
    for j, (metric, _, words) in enumerate(COMPARED):
        a = mine[:, j][~np.isnan(mine[:, j])]
        b = theirs[:, j][~np.isnan(theirs[:, j])]
        diff = stats.difference(a, b, k=k, comparisons=comparisons)
        margin = NOTABLE * abs(float(b.mean())) if len(b) else 0.0
        if diff.shown and diff.high is not None and diff.high < -margin:
            found.append(
                Flag(
                    metric=metric,
                    difference=diff,
                    text=f"People in {name} {words} than everyone else: {metric} "
                    f"differs by {diff.text()}.",
                )
            )
    return found
