"""Statement comparison (xAPI 1.0.3, Data 2.3.1): does a statement that arrives under a
stored id say the same thing as the stored one? Answered through digests, because the stored
statement may have been minimised by policy since it arrived.

Differences the specification makes the LRS responsible for are ignored: ``stored``,
``authority`` and ``version``, the serialisation of the timestamp (compared as an instant),
the case of UUIDs (normalised by the mapper before comparison) and the order of Group
members. Everything else must be equal.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import orjson

from .formats import FormatError, check_timestamp

_LRS_OWNED = ("stored", "authority", "version")
_GROUP_PLACES = frozenset({"team", "instructor", "contextGroups"})


def digest(statement: dict[str, Any], timestamp: datetime | None = None) -> bytes:
    """A SHA-256 digest that two statements share exactly when they are the same statement
    in the specification's sense (score numbers compare by value: ``1`` equals ``1.0``).

    ``timestamp`` is the statement's timestamp already parsed, when the caller has it.
    """
    canonical = orjson.dumps(_comparable(statement, timestamp), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).digest()


def _comparable(statement: dict[str, Any], timestamp: datetime | None) -> dict[str, Any]:
    out = {k: v for k, v in statement.items() if k not in _LRS_OWNED}
    if "timestamp" in out:
        out["timestamp"] = (
            timestamp.astimezone(UTC).isoformat()
            if timestamp is not None
            else _instant(out["timestamp"])
        )
    # Only these places can hold Groups (whose member order does not count) or scores;
    # walking the whole statement would cost more than everything else in the digest.
    actor = out.get("actor")
    if isinstance(actor, dict) and actor.get("objectType") == "Group":
        out["actor"] = _members_sorted(actor)
    target = out.get("object")
    if isinstance(target, dict) and target.get("objectType") in ("Group", "SubStatement"):
        out["object"] = _members_sorted(target)
    context = out.get("context")
    if isinstance(context, dict) and _GROUP_PLACES.intersection(context):
        out["context"] = _members_sorted(context)
    result = out.get("result")
    if isinstance(result, dict) and "score" in result:
        out["result"] = {**result, "score": _members_sorted(result["score"])}
    return out


def _instant(value: Any) -> Any:
    try:
        return check_timestamp(value).astimezone(UTC).isoformat()
    except FormatError:
        return value


def _members_sorted(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _members_sorted(v) for k, v in value.items()}
        if out.get("objectType") == "Group" and isinstance(out.get("member"), list):
            out["member"] = sorted(out["member"], key=lambda m: json.dumps(m, sort_keys=True))
        return out
    if isinstance(value, list):
        return [_members_sorted(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
