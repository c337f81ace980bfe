"""Creating an experiment: who is in the population (read through governed views for
``learning_analytics``), who is excluded and why (counted), and placing the rest, audited.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from learnwire.core.errors import Conflict, ValidationFailed
from learnwire.core.governance import Governance, Resource, Subject
from learnwire.core.governed_view import GovernedView

from . import store
from .allocation import Candidate, allocate
from .definition import ExperimentDefinition
from .metrics import METRICS

Conn = psycopg.Connection[Any]
PURPOSE = "learning_analytics"
#: Role and seniority decide the strata and the segmentation arm's curriculum.
PROFILE_FAMILY = "job_profile"
BASELINE_DAYS = 180


@dataclass
class Placement:
    experiment_id: str
    placed: int
    kept: int
    excluded: dict[str, int] = field(default_factory=dict)
    arms: dict[str, int] = field(default_factory=dict)


def needed_families(metric: str) -> tuple[str, ...]:
    """The families an experiment on ``metric`` rests on: the role (strata, the
    segmentation arm's curriculum), what people did, and what the metric reads."""
    return tuple(dict.fromkeys((PROFILE_FAMILY, "learning_activity", *METRICS[metric].families)))


def exclusion(view: GovernedView, families: Sequence[str]) -> str | None:
    """Why ``view``'s person cannot take part (None: they can): a family the experiment
    needs is withheld from ``learning_analytics`` (opted out, or the policy keeps it from
    the purpose)."""
    for family in families:
        status = view.families.get(family)
        if status is not None and status.status == "blocked":
            return f"{status.reason}:{family}"
    return None


def _fact(view: GovernedView, fact_type: str) -> str | None:
    values = [f.value for f in view.facts if f.fact_type == fact_type]
    return str(values[-1]) if values else None


def _baseline(view: GovernedView, start: datetime) -> float | None:
    since = start - timedelta(days=BASELINE_DAYS)
    scores = [
        e.score_scaled
        for e in view.events
        if e.score_scaled is not None and since <= e.occurred_at < start
    ]
    return sum(scores) / len(scores) if scores else None


def population(
    conn: Conn,
    governance: Governance,
    subject: Subject,
    definition: ExperimentDefinition,
    at: datetime,
) -> tuple[list[Candidate[UUID]], Counter[str]]:
    """The candidates and the excluded, counted by reason. Everyone's records are read once
    for ``learning_analytics`` as ``subject`` (one audited aggregate authorisation)."""
    pop = definition.population
    families = needed_families(definition.primary_outcome.metric)
    elsewhere = store.placed_elsewhere(conn, definition.id, at)
    everyone = [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]
    candidates: list[Candidate[UUID]] = []
    excluded: Counter[str] = Counter()
    views = governance.aggregate_views(conn, everyone, PURPOSE, subject, as_of=at)
    for view in views.values():
        _check_families(definition, view)
        reason = exclusion(view, families)
        if reason is not None:
            # Their role may not be visible: counted without checking the population filter.
            excluded[reason] += 1
            continue
        role = _fact(view, "job_profile")
        units = {m.unit_external_id for m in view.memberships}
        if (pop.roles and role not in pop.roles) or (pop.units and not units & set(pop.units)):
            continue
        if role is None:
            excluded["no_role"] += 1
            continue
        if view.learner_id in elsewhere:
            excluded["in_another_experiment"] += 1
            continue
        seniority = _fact(view, "management_level") or "unknown"
        baseline = _baseline(view, pop.start)
        candidates.append(Candidate(view.learner_id, role, seniority, baseline))
    return candidates, excluded


def _check_families(definition: ExperimentDefinition, view: GovernedView) -> None:
    for i, arm in enumerate(definition.arms):
        if arm.family is None:
            continue
        if arm.family not in view.families:
            known = ", ".join(sorted(view.families))
            raise ValidationFailed(
                f"arms.{i}.serve: unknown signal family '{arm.family}'; the policy has: {known}",
                field=f"arms.{i}.serve",
            )
        if arm.family == "learning_activity":
            raise ValidationFailed(
                f"arms.{i}.serve: learnwire cannot rank without learning_activity (what "
                "people did is what it ranks from)",
                field=f"arms.{i}.serve",
            )


def create(
    conn: Conn,
    governance: Governance,
    subject: Subject,
    definition: ExperimentDefinition,
    *,
    now: datetime | None = None,
) -> Placement:
    """Register ``definition`` and place its population, or place newcomers of an
    experiment already registered with the same definition (nobody is ever re-placed)."""
    now = now or datetime.now(UTC)
    governance.authorize(conn, subject, "manage", Resource("experiment"), PURPOSE)
    old = store.find(conn, definition.id)
    if old is not None and old.definition != definition:
        _refuse_change(old, definition, now)
        # Not started yet: nobody has been served an arm; the new definition replaces it.
        store.clear_assignments(conn, definition.id)
    store.save(conn, definition)
    kept = store.assignments(conn, definition.id)
    candidates, excluded = population(conn, governance, subject, definition, now)
    fresh = [c for c in candidates if c.key not in kept]
    arms = [a.name for a in definition.arms]
    placed = allocate(
        definition.id,
        fresh,
        arms,
        randomisation=definition.randomisation,
        strata=definition.strata,
    )
    rows = [(key, arm, stratum) for key, (arm, stratum) in placed.items()]
    for learner_id, arm, _ in rows:
        governance.authorize(
            conn,
            subject,
            "write",
            Resource("experiment_assignment", owner=learner_id),
            PURPOSE,
            detail={"experiment": definition.id, "arm": arm},
        )
    store.add_assignments(conn, definition.id, rows, now)
    store.set_excluded(conn, definition.id, dict(excluded))
    counts = Counter(store.assignments(conn, definition.id).values())
    governance.audit(
        conn,
        subject,
        "experiment:create" if old is None else "experiment:place",
        "done",
        PURPOSE,
        detail={
            "experiment": definition.id,
            "placed": len(rows),
            "arms": dict(counts),
            "excluded": dict(excluded),
            "definition": json.loads(definition.model_dump_json()),
        },
    )
    return Placement(definition.id, len(rows), len(kept), dict(excluded), dict(counts))


def _refuse_change(old: store.Experiment, new: ExperimentDefinition, now: datetime) -> None:
    if old.started_at > now:
        return
    if old.definition.primary_outcome != new.primary_outcome:
        raise Conflict(
            f"experiment '{old.id}' started on {old.started_at:%Y-%m-%d}: its primary outcome "
            f"({old.definition.primary_outcome.metric} at "
            f"{old.definition.primary_outcome.horizon_days} days) was pre-registered and "
            "cannot change; create a new experiment with a new id for another outcome"
        )
    raise Conflict(
        f"experiment '{old.id}' has started and its definition cannot change; stop it "
        "(`learnwire experiment stop`) and create a new experiment with a new id"
    )


def stop(
    conn: Conn, governance: Governance, subject: Subject, experiment_id: str, reason: str
) -> bool:
    governance.authorize(conn, subject, "manage", Resource("experiment"), PURPOSE)
    experiment = store.get(conn, experiment_id)
    changed = store.stop(conn, experiment.id, datetime.now(UTC), reason)
    if changed:
        governance.audit(
            conn,
            subject,
            "experiment:stop",
            "done",
            PURPOSE,
            detail={"experiment": experiment_id, "reason": reason},
        )
    return changed
