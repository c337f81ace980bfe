"""xAPI 1.0.3 statements as the sample organisation's learning platforms would send them.

Verbs are ADL's, activity types ADL's, and each object is the activity IRI of a library
item. The library (video and reading) identifies people by ``mbox``; the LMS that runs
exercises and simulations by an ``account`` on its own home page, as two real systems
would. Both resolve to the same learner through the identities the HR source links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...core.models import ContentFormat
from .catalogue import LIBRARY_URL, LibraryItem

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = (
    "launched",
    "progressed",
    "experienced",
    "completed",
    "answered",
    "scored",
    "passed",
    "failed",
)
VERB_IRI = {v: ADL + v for v in VERBS}
_VERB = {v: {"id": VERB_IRI[v], "display": {"en-US": v}} for v in VERBS}
ACTIVITY_TYPE = {
    ContentFormat.VIDEO: "http://adlnet.gov/expapi/activities/media",
    ContentFormat.ARTICLE: "http://adlnet.gov/expapi/activities/lesson",
    ContentFormat.EXERCISE: "http://adlnet.gov/expapi/activities/assessment",
    ContentFormat.SIMULATION: "http://adlnet.gov/expapi/activities/simulation",
}
#: The cmi5 extension for how far through an activity someone got (0-100).
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
EMAIL_DOMAIN = "larkspur.example"
LMS_HOME_PAGE = LIBRARY_URL
_PLATFORM = {
    ContentFormat.VIDEO: "Larkspur Learning Library",
    ContentFormat.ARTICLE: "Larkspur Learning Library",
    ContentFormat.EXERCISE: "Larkspur LMS",
    ContentFormat.SIMULATION: "Larkspur LMS",
}
_OBJECTS: dict[str, dict[str, Any]] = {}


def email(employee_id: str) -> str:
    return f"{employee_id.lower()}@{EMAIL_DOMAIN}"


def actor(employee_id: str, fmt: ContentFormat) -> dict[str, Any]:
    """The agent as the platform delivering ``fmt`` names the person."""
    if fmt in (ContentFormat.VIDEO, ContentFormat.ARTICLE):
        return {"objectType": "Agent", "mbox": f"mailto:{email(employee_id)}"}
    return {"objectType": "Agent", "account": {"homePage": LMS_HOME_PAGE, "name": employee_id}}


def activity(entry: LibraryItem) -> dict[str, Any]:
    """The statement object for a library item (shared, never mutated)."""
    found = _OBJECTS.get(entry.activity_id)
    if found is None:
        found = {
            "objectType": "Activity",
            "id": entry.activity_id,
            "definition": {
                "name": {"en-US": entry.item.title},
                "type": ACTIVITY_TYPE[entry.format],
            },
        }
        _OBJECTS[entry.activity_id] = found
    return found


def iso_timestamp(at: datetime) -> str:
    """``at`` (UTC) as an ISO 8601 timestamp with a ``Z`` offset."""
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration such as ``PT12M5S`` (xAPI's result.duration format)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out


def score(correct: int, questions: int) -> dict[str, Any]:
    return {
        "scaled": round(correct / questions, 4),
        "raw": correct,
        "min": 0,
        "max": questions,
    }


def statement(
    statement_id: str,
    who: dict[str, Any],
    verb: str,
    entry: LibraryItem,
    at: datetime,
    registration: str,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One statement; ``result`` is included only when given."""
    out: dict[str, Any] = {
        "id": statement_id,
        "actor": who,
        "verb": _VERB[verb],
        "object": activity(entry),
    }
    if result is not None:
        out["result"] = result
    out["context"] = {
        "registration": registration,
        "platform": _PLATFORM[entry.format],
        "language": "en-US",
    }
    out["timestamp"] = iso_timestamp(at)
    return out
