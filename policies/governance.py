"""The policy engine as the host's governance (:class:`~learnwire.core.governance.Governance`).

A thin face over :class:`~learnwire.policies.engine.PolicyEngine` and the modules that
enforce its documents: the intake guard, the governed views, egress and service tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from ..core.governance import Decision, Governance, Resource, Subject
from ..core.governed_view import GovernedView
from .egress import egress_filter, filter_payload
from .engine import PolicyEngine
from .intake_guard import PolicyIntakeGuard
from .tokens import authenticate
from .utilisation import UtilisationReport, report_from_view
from .view import governed_view
from .view_bulk import aggregate_views, governed_views

Conn = psycopg.Connection[Any]


class PolicyGovernance(Governance):
    """Governance by the policy documents in force; ``engine`` is the engine it asks."""

    def __init__(self, engine: PolicyEngine) -> None:
        self.engine = engine

    def intake_guard(self) -> PolicyIntakeGuard:
        return PolicyIntakeGuard(self.engine)

    def refresh(self, conn: Conn) -> bool:
        return self.engine.refresh(conn)

    @property
    def min_group_size(self) -> int:
        return self.engine.policy.k

    @property
    def policy_version(self) -> str | None:
        # None while only the policy directory is in force; the reload task stores it as a
        # version as soon as it changes, so an edit still moves this.
        version = self.engine.version
        return None if version is None else str(version)

    def allowed(self, subject: Subject, action: str, resource: Resource, purpose: str) -> Decision:
        return self.engine.allowed(subject, action, resource, purpose)

    def authorize(
        self,
        conn: Conn,
        subject: Subject,
        action: str,
        resource: Resource,
        purpose: str,
        *,
        detail: dict[str, Any] | None = None,
    ) -> Decision:
        return self.engine.authorize(conn, subject, action, resource, purpose, detail=detail)

    def audit(
        self,
        conn: Conn,
        subject: Subject,
        action: str,
        outcome: str,
        purpose: str,
        *,
        learner_id: UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.engine.record(
            conn, subject, action, outcome, purpose=purpose, learner_id=learner_id, detail=detail
        )

    def governed_view(
        self,
        conn: Conn,
        learner_id: UUID,
        purpose: str,
        viewer: Subject,
        *,
        as_of: datetime | None = None,
    ) -> GovernedView:
        return governed_view(conn, self.engine, learner_id, purpose, viewer, as_of=as_of)

    def governed_views(
        self,
        conn: Conn,
        learner_ids: Sequence[UUID],
        purpose: str,
        *,
        as_of: datetime | None = None,
    ) -> dict[UUID, GovernedView]:
        return governed_views(conn, self.engine, learner_ids, purpose, as_of=as_of)

    def aggregate_views(
        self,
        conn: Conn,
        learner_ids: Sequence[UUID],
        purpose: str,
        viewer: Subject,
        *,
        as_of: datetime | None = None,
    ) -> dict[UUID, GovernedView]:
        return aggregate_views(conn, self.engine, learner_ids, purpose, viewer, as_of=as_of)

    def utilisation_report(self, view: GovernedView) -> UtilisationReport:
        descriptions = {n: f.description for n, f in self.engine.policy.families.items()}
        return report_from_view(view, descriptions)

    def egress_preview(self, processor: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        rule = self.engine.policy.processors.get(processor)
        if rule is None:
            return None
        sender, target = Subject.service("egress"), Resource("external_processor", name=processor)
        if not self.engine.allowed(sender, "send", target, rule.purpose).allowed:
            return None
        return filter_payload(processor, rule, payload).payload

    def egress(
        self, conn: Conn, processor: str, payload: Mapping[str, Any], *, learner_id: UUID | None
    ) -> dict[str, Any]:
        return egress_filter(conn, self.engine, processor, payload, learner_id=learner_id).payload

    def holds_audit_lock(self, conn: Conn) -> bool:
        return self.engine.audit.holds_lock(conn)

    def authenticate(self, conn: Conn, authorization: str | None) -> Subject:
        return authenticate(conn, authorization).subject()
