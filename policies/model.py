"""The validated policy as typed data. Built only from documents that passed the schema and
the cross-reference checks in :mod:`learnwire.policies.validation`."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ..core.models import DataCategory

RecordKind = Literal["events", "facts", "calendar", "memberships"]
Action = Literal["read", "write", "erase", "export", "send", "manage"]
ResourceKind = Literal[
    "learner_data",
    "recommendations",
    "team_aggregate",
    "learning_aggregate",
    "audit_log",
    "policy",
    "external_processor",
    "consent",
    "team_priorities",
    "experiment",
    "experiment_assignment",
]
Whose = Literal["self", "team", "anyone"]

ACTIONS: tuple[str, ...] = get_args(Action)
RESOURCES: tuple[str, ...] = get_args(ResourceKind)
RECORD_KINDS: tuple[str, ...] = get_args(RecordKind)

_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retention(_Rule):
    keep_for: str
    measured_from: Literal["occurred", "event"] = "occurred"
    at_expiry: Literal["delete", "aggregate_then_delete"]

    @property
    def period(self) -> timedelta:
        """``keep_for`` as a duration; a month counts 30 days and a year 365."""
        amount, unit = self.keep_for.split(" ")
        return timedelta(days=int(amount) * _UNIT_DAYS[unit.rstrip("s")])


class CategoryRule(_Rule):
    description: str
    learning_data: bool
    purposes: tuple[str, ...]
    retention: Retention


class PurposeRule(_Rule):
    description: str
    learning_data: Literal["allowed", "denied"] = "allowed"


class FamilyRule(_Rule):
    description: str
    records: tuple[RecordKind, ...]
    categories: tuple[DataCategory, ...]
    fact_types: tuple[str, ...] = ()
    opt_out: bool = True

    def covers(self, kind: str, category: DataCategory | str, fact_type: str | None) -> bool:
        if kind not in self.records or DataCategory(category) not in self.categories:
            return False
        return not self.fact_types or (fact_type is not None and fact_type in self.fact_types)


class Grant(_Rule):
    actions: tuple[Action, ...]
    resources: tuple[ResourceKind, ...]
    whose: Whose
    purposes: tuple[str, ...]


class RoleRule(_Rule):
    description: str
    grants: tuple[Grant, ...]


class ProcessorRule(_Rule):
    description: str
    purpose: str
    allow_fields: tuple[str, ...]
    never_send: tuple[str, ...] = ()


class SourceRule(_Rule):
    accept_categories: tuple[DataCategory, ...] | None = None
    drop_fact_types: tuple[str, ...] | None = None
    drop_statement_fields: tuple[str, ...] | None = None


class IntakeRules(_Rule):
    default: SourceRule = SourceRule()
    sources: dict[str, SourceRule] = Field(default_factory=dict)

    def for_source(self, source: str) -> SourceRule:
        """The default rule with the source's own settings replacing it key by key."""
        own = self.sources.get(source)
        if own is None:
            return self.default
        merged = self.default.model_dump()
        merged.update({k: v for k, v in own.model_dump().items() if v is not None})
        return SourceRule.model_validate(merged)


class SignInRule(_Rule):
    """Adds ``role`` to whoever matches any one of its conditions when they sign in."""

    role: str
    description: str = ""
    manages_team: bool = False
    lti_roles: tuple[Literal["learner", "instructor", "administrator"], ...] = ()
    idp_groups: tuple[str, ...] = ()

    def matches(self, *, manages_team: bool, lti_role: str | None, groups: frozenset[str]) -> bool:
        return (
            (self.manages_team and manages_team)
            or (lti_role is not None and lti_role in self.lti_roles)
            or bool(groups & set(self.idp_groups))
        )


class SignIn(_Rule):
    rules: tuple[SignInRule, ...] = ()


class KAnonymity(_Rule):
    min_group_size: int = Field(default=5, ge=2)


class PolicySet(_Rule):
    """Every rule in force. ``categories`` holds all eight data categories."""

    categories: dict[DataCategory, CategoryRule]
    purposes: dict[str, PurposeRule]
    families: dict[str, FamilyRule]
    roles: dict[str, RoleRule]
    k_anonymity: KAnonymity = KAnonymity()
    sign_in: SignIn = SignIn()
    processors: dict[str, ProcessorRule] = Field(default_factory=dict)
    intake: IntakeRules = IntakeRules()

    @property
    def k(self) -> int:
        return self.k_anonymity.min_group_size

    def sign_in_roles(
        self, *, manages_team: bool, lti_role: str | None, groups: frozenset[str] = frozenset()
    ) -> tuple[str, ...]:
        """The roles a person signs in with: learner, then every role a rule grants them
        (roles the policy does not define are left out)."""
        found = ["learner"] if "learner" in self.roles else []
        for rule in self.sign_in.rules:
            known = rule.role not in found and rule.role in self.roles
            if known and rule.matches(manages_team=manages_team, lti_role=lti_role, groups=groups):
                found.append(rule.role)
        return tuple(found)

    def serves(self, category: DataCategory | str, purpose: str) -> bool:
        """May data of ``category`` be used for ``purpose``?

        Both the category must list the purpose and, for learning data, the purpose must
        not deny learning data: two explicit statements are needed to open
        ``performance_evaluation`` to learning data.
        """
        rule = self.categories[DataCategory(category)]
        target = self.purposes.get(purpose)
        if target is None or purpose not in rule.purposes:
            return False
        return not (rule.learning_data and target.learning_data == "denied")

    def families_of(
        self, kind: str, category: DataCategory | str, fact_type: str | None = None
    ) -> list[str]:
        return [n for n, f in self.families.items() if f.covers(kind, category, fact_type)]
