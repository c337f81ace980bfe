"""What a proposed policy would change, before it is applied.

Three views of the change: records retention would remove (counted on the live database),
accesses that would start or stop being allowed (every role, action, resource, whose data,
purpose and category, decided under both policies), and the text diff of the documents.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import psycopg

from ..core.models import DataCategory
from .access import AGGREGATES, Resource, Subject, decide
from .model import ACTIONS, RESOURCES, PolicySet
from .retention import expired_counts
from .validation import LoadedPolicy
from .versions import text_diff

Conn = psycopg.Connection[Any]
_ME, _OTHER = uuid.UUID(int=1), uuid.UUID(int=2)


def dry_run(conn: Conn, current: LoadedPolicy, proposed: LoadedPolicy) -> dict[str, Any]:
    before, after = current.policy, proposed.policy
    expired_now = expired_counts(conn, before)
    expired_then = expired_counts(conn, after)
    retention = []
    for key in sorted(set(expired_now) | set(expired_then)):
        now = expired_now.get(key, {"rows": 0})
        then = expired_then.get(key, {"rows": 0, "at_expiry": None, "keep_for": None})
        if now["rows"] != then["rows"] or then["rows"]:
            retention.append(
                {
                    "table_category": key,
                    "past_limit_now": now["rows"],
                    "past_limit_proposed": then["rows"],
                    "at_expiry": then.get("at_expiry"),
                    "keep_for": then.get("keep_for"),
                }
            )
    return {
        "retention": retention,
        "access": access_changes(before, after),
        "k_anonymity": {"now": before.k, "proposed": after.k},
        "opt_outs": _opt_out_changes(before, after),
        "processors": _processor_changes(before, after),
        "diff": text_diff(current.documents, proposed.documents, "current", "proposed"),
    }


def access_changes(before: PolicySet, after: PolicySet) -> list[dict[str, Any]]:
    """Every request decided differently by the two policies."""
    roles = sorted(set(before.roles) | set(after.roles))
    purposes = sorted(set(before.purposes) | set(after.purposes))
    changes: list[dict[str, Any]] = []
    for role, action, kind, purpose in itertools.product(roles, ACTIONS, RESOURCES, purposes):
        subject = Subject(role, "dry-run", _ME)
        for whose, resource in _resources(kind, before, after):
            was = decide(before, subject, action, resource, purpose)
            will = decide(after, subject, action, resource, purpose)
            if was.allowed != will.allowed:
                changes.append(
                    {
                        "role": role,
                        "action": action,
                        "resource": kind,
                        "whose": whose,
                        "purpose": purpose,
                        "category": resource.category.value if resource.category else None,
                        "change": "starts being allowed" if will.allowed else "stops being allowed",
                        "reason": will.reason,
                    }
                )
    return changes


def _resources(kind: str, before: PolicySet, after: PolicySet) -> list[tuple[str, Resource]]:
    if kind in AGGREGATES:
        sizes = sorted({before.k, after.k, max(before.k, after.k) - 1} - {1})
        return [
            (f"team of {n}", Resource(kind, managers=frozenset({_ME}), group_size=n)) for n in sizes
        ]
    if kind == "external_processor":
        names = sorted(set(before.processors) | set(after.processors))
        return [("-", Resource(kind, name=name)) for name in names]
    out: list[tuple[str, Resource]] = []
    for whose, owner in (("own", _ME), ("another person's", _OTHER)):
        if kind == "learner_data":
            out.extend((whose, Resource(kind, owner=owner, category=c)) for c in DataCategory)
        else:
            out.append((whose, Resource(kind, owner=owner)))
    return out


def _opt_out_changes(before: PolicySet, after: PolicySet) -> list[dict[str, Any]]:
    out = []
    for name in sorted(set(before.families) | set(after.families)):
        was = before.families.get(name)
        will = after.families.get(name)
        if (was.opt_out if was else None) != (will.opt_out if will else None):
            out.append(
                {
                    "family": name,
                    "opt_out_now": was.opt_out if was else None,
                    "opt_out_proposed": will.opt_out if will else None,
                }
            )
    return out


def _processor_changes(before: PolicySet, after: PolicySet) -> list[dict[str, Any]]:
    out = []
    for name in sorted(set(before.processors) | set(after.processors)):
        was = set(before.processors[name].allow_fields) if name in before.processors else set()
        will = set(after.processors[name].allow_fields) if name in after.processors else set()
        if was != will:
            out.append(
                {
                    "processor": name,
                    "fields_start_leaving": sorted(will - was),
                    "fields_stop_leaving": sorted(was - will),
                }
            )
    return out
