"""Egress: the last check before data leaves for an external processor.

Deny by default at every level of the payload: a field leaves only when its dotted path
matches one of the processor's ``allow_fields`` (``*`` matches any one name) and none of its
``never_send``. Lists are transparent (``candidates.title`` applies to every candidate).
Allowing a container (``candidates``) lets the container through, not everything inside
it. Whatever the rules, text that looks like an e-mail address is blanked. Every egress is
audited with the fields sent and those removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from uuid import UUID

import psycopg

from .access import Resource, Subject
from .engine import PolicyEngine
from .model import ProcessorRule

Conn = psycopg.Connection[Any]
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
REDACTED = "[redacted]"


@dataclass(frozen=True)
class EgressResult:
    """What may be sent: ``payload``, plus the paths removed and the paths blanked."""

    processor: str
    purpose: str
    payload: dict[str, Any]
    dropped: tuple[str, ...]
    redacted: tuple[str, ...]


def egress_filter(
    conn: Conn,
    engine: PolicyEngine,
    processor: str,
    payload: Mapping[str, Any],
    *,
    subject: Subject | None = None,
    learner_id: UUID | None = None,
) -> EgressResult:
    """Filter ``payload`` for ``processor`` and audit the egress.

    :param subject: who sends (default: the ``service`` role named ``egress``).
    :param learner_id: the person the payload is about, if any (audited as a keyed hash).
    :raises AccessDenied: the processor is not listed, or the subject may not send to it.
    """
    engine.refresh(conn)
    subject = subject or Subject.service("egress")
    rule = engine.policy.processors.get(processor)
    purpose = rule.purpose if rule is not None else "external_processing"
    engine.authorize(conn, subject, "send", Resource("external_processor", name=processor), purpose)
    assert rule is not None  # authorize refuses unknown processors
    result = filter_payload(processor, rule, payload)
    engine.record(
        conn,
        subject,
        "send:external_processor",
        "allowed",
        purpose=purpose,
        learner_id=learner_id,
        detail={
            "processor": processor,
            "sent": sorted(_paths(result.payload)),
            "dropped": list(result.dropped),
            "redacted": list(result.redacted),
        },
    )
    return result


def filter_payload(processor: str, rule: ProcessorRule, payload: Mapping[str, Any]) -> EgressResult:
    """The pure part of :func:`egress_filter`: no access check, no audit."""
    dropped: list[str] = []
    redacted: list[str] = []

    def allowed(path: str) -> bool:
        if any(fnmatchcase(path, p) for p in rule.never_send):
            return False
        return any(fnmatchcase(path, p) for p in rule.allow_fields)

    def inside(path: str) -> bool:
        """Could anything below ``path`` be allowed?"""
        depth = path.count(".") + 1
        return any(
            p.count(".") >= depth and fnmatchcase(path, ".".join(p.split(".")[:depth]))
            for p in rule.allow_fields
        )

    def walk(value: Any, path: str) -> tuple[bool, Any]:
        if isinstance(value, Mapping):
            if not (allowed(path) or inside(path)) and path:
                dropped.append(path)
                return False, None
            out: dict[str, Any] = {}
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                keep, filtered = walk(child, child_path)
                if keep:
                    out[str(key)] = filtered
            return (bool(out) or allowed(path) or not path), out
        if isinstance(value, list | tuple):
            if not allowed(path) and not inside(path):
                dropped.append(path)
                return False, None
            items = [walk(item, path) for item in value]
            return True, [v for keep, v in items if keep]
        if not allowed(path):
            dropped.append(path)
            return False, None
        if isinstance(value, str) and EMAIL.search(value):
            redacted.append(path)
            return True, EMAIL.sub(REDACTED, value)
        return True, value

    _, filtered = walk(dict(payload), "")
    return EgressResult(
        processor,
        rule.purpose,
        filtered,
        tuple(sorted(set(dropped))),
        tuple(sorted(set(redacted))),
    )


def _paths(value: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(value, Mapping):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.add(path)
            out |= _paths(child, path)
    elif isinstance(value, list):
        for item in value:
            out |= _paths(item, prefix)
    return out
