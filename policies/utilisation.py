"""The signal-utilisation report for one learner: which signal families were available,
which the policy blocked and why, and (once the ranker adds them) which ranking signals used
which families with what weight.

The report is built from the same :class:`~learnwire.policies.view.GovernedView` the ranker
reads, so "blocked" here and "skipped" in ranking can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from .access import Subject
from .engine import PolicyEngine
from .view import GovernedView, governed_view

Conn = psycopg.Connection[Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FamilyUse(_Model):
    family: str
    description: str
    status: Literal["available", "blocked", "empty"]
    reason: Literal["opt_out", "purpose", "retention"] | None = None
    detail: str = ""
    records: int = 0
    withheld: dict[str, int] = Field(default_factory=dict)
    signals: list[str] = Field(
        default_factory=list, description="Ranking signals that read this family."
    )


class SignalUse(_Model):
    """One ranking signal in one ranking run. ``used`` is False when a family it needs was
    blocked (listed in ``blocked_by``); ``weight`` and ``contribution`` come from the ranker."""

    signal: str
    families: list[str]
    weight: float
    used: bool
    blocked_by: list[str] = Field(default_factory=list)
    contribution: float | None = None
    detail: str = Field(
        default="",
        description="What the ranker said about this run, e.g. why contextual reranking "
        "with Claude was skipped.",
    )


class UtilisationReport(_Model):
    learner_id: UUID
    purpose: str
    policy_version: int | None
    generated_at: datetime
    families: list[FamilyUse]
    signals: list[SignalUse] = Field(default_factory=list)

    def family(self, name: str) -> FamilyUse | None:
        return next((f for f in self.families if f.family == name), None)

    def signal(
        self,
        name: str,
        families: Iterable[str],
        weight: float,
        contribution: float | None = None,
    ) -> SignalUse:
        """A :class:`SignalUse` for a signal reading ``families``, marked unused when any of
        them is blocked (or unknown to the policy) in this report."""
        wanted = sorted(set(families))
        blocked = [f for f in wanted if (use := self.family(f)) is None or use.status == "blocked"]
        return SignalUse(
            signal=name,
            families=wanted,
            weight=weight,
            used=not blocked,
            blocked_by=blocked,
            contribution=contribution if not blocked else None,
        )

    def with_signals(self, uses: Iterable[SignalUse]) -> UtilisationReport:
        """A copy extended with the ranker's signals (replacing any of the same name)."""
        merged = {s.signal: s for s in self.signals}
        merged.update({s.signal: s for s in uses})
        families = [
            f.model_copy(
                update={
                    "signals": sorted(
                        s.signal for s in merged.values() if f.family in s.families and s.used
                    )
                }
            )
            for f in self.families
        ]
        return self.model_copy(
            update={
                "signals": sorted(merged.values(), key=lambda s: s.signal),
                "families": families,
            }
        )


def report_from_view(view: GovernedView, descriptions: dict[str, str]) -> UtilisationReport:
    return UtilisationReport(
        learner_id=view.learner_id,
        purpose=view.purpose,
        policy_version=view.policy_version,
        generated_at=view.as_of,
        families=[
            FamilyUse(
                family=s.family,
                description=descriptions.get(s.family, ""),
                status=s.status,
                reason=s.reason,
                detail=s.detail,
                records=s.records,
                withheld=s.withheld,
            )
            for s in view.families.values()
        ],
    )


def utilisation_report(
    conn: Conn,
    engine: PolicyEngine,
    learner_id: UUID,
    purpose: str,
    viewer: Subject,
) -> UtilisationReport:
    """Build the governed view for ``purpose`` as ``viewer`` and report on its families."""
    view = governed_view(conn, engine, learner_id, purpose, viewer)
    descriptions = {n: f.description for n, f in engine.policy.families.items()}
    return report_from_view(view, descriptions)
