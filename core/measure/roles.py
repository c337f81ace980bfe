"""The same figures per role, so no group is served worse without anyone seeing it.

A role with fewer than k people shows nothing. For each role of at least k people, a few
outcomes are compared with everyone else's (the difference of means with a two-sample
bootstrap interval); a role whose interval lies wholly on the worse side is flagged.
"""

from __future__ import annotations

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
    out = []
    for role in sorted(groups, key=lambda r: (r is None, names.get(r or "", r or ""))):
        members = groups[role]
        name = NO_ROLE if role is None else names.get(role, role)
        if len(members) < k:
            out.append(RoleOutcomes(role_id=role, role_name=name, outcomes=None, flags=[]))
            continue
        rest = [o for r, group in groups.items() if r != role for o in group]
        out.append(
            RoleOutcomes(
                role_id=role,
                role_name=name,
                outcomes=group_outcomes(members, recs, k=k),
                flags=flags(members, rest, name, k=k),
            )
        )
    return out


def flags(
    members: list[PersonOutcome], rest: list[PersonOutcome], name: str, *, k: int
) -> list[Flag]:
    """The compared outcomes on which ``members`` do notably worse than ``rest``: the 95%
    interval of (role - rest) lies wholly below zero."""
    found = []
    for metric, value, words in COMPARED:
        mine = [v for o in members if (v := value(o)) is not None]
        theirs = [v for o in rest if (v := value(o)) is not None]
        diff = stats.difference(np.array(mine), np.array(theirs), k=k)
        if diff.shown and diff.high is not None and diff.high < 0:
            found.append(
                Flag(
                    metric=metric,
                    difference=diff,
                    text=f"People in {name} {words} than everyone else: {metric} "
                    f"differs by {diff.text()}.",
                )
            )
    return found
