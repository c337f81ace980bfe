"""Governance: the interface the host needs from a policy engine, and the words it speaks.

The core declares what it asks (an intake guard, governed views, access checks, egress to
external processors, service tokens); the policy engine (the ``policies`` plugin) implements
it and registers through the ``register_governance`` hook. Governance is not optional: the
host refuses to take in or serve data without it (:class:`GovernanceMissing`), and imports
run one way, from the policy engine into the core.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import psycopg

from .errors import ConfigurationError, Forbidden
from .governed_view import GovernedView
from .intake import IntakeGuard
from .models import DataCategory

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Subject:
    """Who asks. ``learner_id`` is the person's own pseudonymous id (learners, managers);
    ``scopes`` narrows a service token to ``"action:resource"`` pairs (None: the role's
    grants as they are)."""

    role: str
    name: str
    learner_id: UUID | None = None
    scopes: frozenset[str] | None = None

    @classmethod
    def learner(cls, learner_id: UUID) -> Subject:
        return cls("learner", "self", learner_id)

    @classmethod
    def manager(cls, learner_id: UUID) -> Subject:
        return cls("manager", "manager", learner_id)

    @classmethod
    def service(cls, name: str, scopes: frozenset[str] | None = None) -> Subject:
        return cls("service", name, None, scopes)

    @classmethod
    def compliance(cls, name: str) -> Subject:
        return cls("compliance_officer", name)


@dataclass(frozen=True)
class Resource:
    """What is asked for. ``owner`` is whose data it is; ``managers`` who manage the group an
    aggregate covers; ``group_size`` how many people an aggregate rests on; ``name`` the
    external processor for ``external_processor``."""

    kind: str
    owner: UUID | None = None
    category: DataCategory | None = None
    managers: frozenset[UUID] = frozenset()
    group_size: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    rule: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    def as_dict(self) -> dict[str, object]:
        return {"allowed": self.allowed, "reason": self.reason, "rule": self.rule}


class AccessDenied(Forbidden):
    """The policy refused a request; the refusal is already in the audit log."""

    title = "denied by policy"

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


class GovernanceMissing(ConfigurationError):
    """No plugin provides governance: the host refuses to take in or serve data."""

    title = "no governance"


class UtilisationReport(Protocol):
    """Which signal families a governed view held and which the policy blocked, extended
    with the ranking signals that read them."""

    def signal(
        self, name: str, families: Iterable[str], weight: float, contribution: float | None = None
    ) -> Any:
        """One signal's use of ``families`` (a pydantic model), unused when one is blocked."""

    def with_signals(self, uses: Iterable[Any]) -> UtilisationReport:
        """A copy extended with the ranker's signals."""


class Governance(ABC):
    """What the host asks of the policy engine. Every method that reads or lets personal
    data leave checks the policy in force and audits as the policy requires."""

    @abstractmethod
    def intake_guard(self) -> IntakeGuard:
        """The guard every intake runs before it writes (categories, minimisation, consent)."""

    @abstractmethod
    def refresh(self, conn: Conn) -> bool:
        """Pick up a newer stored policy; True when the policy in force changed."""

    @property
    @abstractmethod
    def min_group_size(self) -> int:
        """The fewest people an aggregate (team gaps, peers) may rest on."""

    @property
    def policy_version(self) -> str | None:
        """The version of the policy in force (as of the last :meth:`refresh`): anything
        stored from governed data (a report snapshot) is stamped with it and no longer
        served once it differs. None: this governance keeps no versions."""
        return None

    @abstractmethod
    def allowed(self, subject: Subject, action: str, resource: Resource, purpose: str) -> Decision:
        """Decide without recording anything."""

    @abstractmethod
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
        """Decide and audit. :raises AccessDenied: when refused."""

    @abstractmethod
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
        """Record an action in the audit trail, in ``conn``'s transaction (for actions that
        are not an access decision, e.g. starting an experiment). ``detail`` holds no
        learner ids: name the person as ``learner_id``."""

    @abstractmethod
    def governed_view(
        self,
        conn: Conn,
        learner_id: UUID,
        purpose: str,
        viewer: Subject,
        *,
        as_of: datetime | None = None,
    ) -> GovernedView:
        """Everything about ``learner_id`` that ``purpose`` permits, read as ``viewer``.

        :raises AccessDenied: the viewer may not read it. :raises NotFound: unknown learner.
        """

    @abstractmethod
    def governed_views(
        self,
        conn: Conn,
        learner_ids: Sequence[UUID],
        purpose: str,
        *,
        as_of: datetime | None = None,
    ) -> dict[UUID, GovernedView]:
        """Each learner's governed view as that learner would read it (unknown ids left out)."""

    @abstractmethod
    def aggregate_views(
        self,
        conn: Conn,
        learner_ids: Sequence[UUID],
        purpose: str,
        viewer: Subject,
        *,
        as_of: datetime | None = None,
    ) -> dict[UUID, GovernedView]:
        """Each learner's records as ``purpose`` permits them (purpose, opt-out and retention
        screened as in :meth:`governed_views`), for ``viewer`` to turn into figures over
        groups only, never shown per person. Authorised once, as reading a
        ``learning_aggregate`` over ``len(learner_ids)`` people, so fewer than k is refused.

        :raises AccessDenied: the viewer may not read such aggregates for ``purpose``
            (audited).
        """

    @abstractmethod
    def utilisation_report(self, view: GovernedView) -> UtilisationReport:
        """The signal-utilisation report of ``view``'s families."""

    @abstractmethod
    def egress_preview(self, processor: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """What of ``payload`` the policy would let leave for ``processor``, without sending
        or auditing; None when nothing may go there (call :meth:`egress` for the refusal)."""

    @abstractmethod
    def egress(
        self, conn: Conn, processor: str, payload: Mapping[str, Any], *, learner_id: UUID | None
    ) -> dict[str, Any]:
        """``payload`` as it may leave for ``processor``; the egress is audited in ``conn``.

        :raises AccessDenied: the processor is not allowed (audited).
        """

    @abstractmethod
    def holds_audit_lock(self, conn: Conn) -> bool:
        """Has ``conn``'s transaction already written to the audit trail (so auditing on
        another connection would wait for it)?"""

    @abstractmethod
    def authenticate(self, conn: Conn, authorization: str | None) -> Subject:
        """The subject of a service token sent as ``Authorization: Bearer ...``.

        :raises Unauthorized: no, an unknown or a revoked token.
        """
