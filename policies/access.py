"""Access decisions: ``decide(policy, subject, action, resource, purpose)``.

Pure functions over a :class:`~learnwire.policies.model.PolicySet`; nothing here touches the
database. The order of checks is the order a compliance officer reads the documents in:
the purpose must exist, the data's category must serve it, an aggregate must cover at least
``k`` people, and finally some grant of the subject's role must cover the request.
"""

from __future__ import annotations

from ..core.governance import Decision, Resource, Subject
from .model import ACTIONS, RESOURCES, PolicySet

AGGREGATES = ("team_aggregate", "learning_aggregate")
#: Resources that hold one person's data: reading them for someone else is audited.
INDIVIDUAL = ("learner_data", "recommendations", "consent", "experiment_assignment")

# Subject, Resource and Decision are the core's words (its governance interface speaks
# them); importable from here as well, as they always were.
__all__ = ["AGGREGATES", "INDIVIDUAL", "Decision", "Resource", "Subject", "decide"]


def decide(
    policy: PolicySet, subject: Subject, action: str, resource: Resource, purpose: str
) -> Decision:
    if action not in ACTIONS:
        return Decision(False, f"unknown action '{action}'; expected one of {', '.join(ACTIONS)}")
    if resource.kind not in RESOURCES:
        return Decision(False, f"unknown resource '{resource.kind}'")
    if purpose not in policy.purposes:
        return Decision(False, f"purpose '{purpose}' is not defined in the policy")
    role = policy.roles.get(subject.role)
    if role is None:
        return Decision(False, f"role '{subject.role}' is not defined in the policy")
    if resource.category is not None and not policy.serves(resource.category, purpose):
        return Decision(
            False,
            f"{resource.category.value} data may not serve purpose '{purpose}'",
            f"categories.{resource.category.value}.purposes",
        )
    if resource.kind in AGGREGATES:
        if resource.group_size is None:
            return Decision(False, "an aggregate must state how many people it covers")
        if resource.group_size < policy.k:
            return Decision(
                False,
                f"the group has {resource.group_size} people; aggregates need at least {policy.k}",
                "k_anonymity.min_group_size",
            )
    if resource.kind == "external_processor":
        processor = policy.processors.get(resource.name or "")
        if processor is None:
            return Decision(
                False, f"external processor '{resource.name}' is not listed in the policy"
            )
        if processor.purpose != purpose:
            return Decision(
                False,
                f"processor '{resource.name}' may only be used for '{processor.purpose}'",
                f"processors.{resource.name}.purpose",
            )
    for i, grant in enumerate(role.grants):
        if action not in grant.actions or resource.kind not in grant.resources:
            continue
        if purpose not in grant.purposes:
            continue
        if subject.scopes is not None and f"{action}:{resource.kind}" not in subject.scopes:
            continue
        if _whose_matches(grant.whose, subject, resource):
            return Decision(
                True, f"granted to role '{subject.role}'", f"roles.{subject.role}.grants[{i}]"
            )
    whose = _describe_whose(subject, resource)
    scoped = " within its token's scopes" if subject.scopes is not None else ""
    return Decision(
        False,
        f"role '{subject.role}' has no grant{scoped} to {action} {resource.kind} "
        f"{whose} for purpose '{purpose}'",
        f"roles.{subject.role}",
    )


def _whose_matches(whose: str, subject: Subject, resource: Resource) -> bool:
    if whose == "anyone":
        return True
    if subject.learner_id is None:
        return False
    if whose == "self":
        return resource.owner is not None and resource.owner == subject.learner_id
    return subject.learner_id in resource.managers


def _describe_whose(subject: Subject, resource: Resource) -> str:
    if resource.owner is None:
        return "of a group" if resource.kind in AGGREGATES else ""
    if subject.learner_id is not None and subject.learner_id == resource.owner:
        return "of their own"
    return "of another person"
