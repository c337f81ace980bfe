"""What a learner tells the tool from their LTI page: a verdict on a recommended item, or how
much each skill matters to them now. This module reads the posted form and words the
confirmation; storing goes through :mod:`learnwire.core.learner.feedback`, so the ranker, the
JSON API and the policy layer all see the same records."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ...core.learner.feedback import VERDICTS
from .errors import FeedbackRefused
from .surveys import THANKS as SURVEY_THANKS

#: The weight choices the page offers for a skill: (form value, label).
WEIGHTS: tuple[tuple[str, str], ...] = (
    ("0", "Not a priority"),
    ("0.5", "Matters"),
    ("1", "Top priority"),
)
PRIORITY_FIELD = "priority:"
ADD_SKILL, ADD_WEIGHT = "add_skill", "add_weight"
#: One line shown after a post, by the code the redirect carries (never free text, so a
#: crafted link cannot put words on the page).
THANKS: dict[str, str] = {
    "useful": "Thanks — glad it helped; we'll recommend more in that direction.",
    "not_useful": "Thanks — we'll show fewer like this.",
    "dismiss": "Thanks — we won't recommend that one again.",
    "more_like_this": "Thanks — we'll show more like this.",
    "priorities": "Thanks — your priorities are saved, and the list below follows them.",
    "priorities_unchanged": "Your priorities are as they were; nothing changed.",
    **SURVEY_THANKS,
}


@dataclass(frozen=True)
class Verdict:
    content_id: uuid.UUID
    verdict: str


def parse_verdict(form: Mapping[str, str]) -> Verdict:
    """The item and verdict a rating form posted; FeedbackRefused (400) says what is wrong."""
    raw_id = (form.get("content_id") or "").strip()
    if not raw_id:
        raise FeedbackRefused("The rating named no item (content_id is missing).")
    try:
        content_id = uuid.UUID(raw_id)
    except ValueError as exc:
        raise FeedbackRefused(f"'{raw_id[:60]}' is not a content item id.") from exc
    verdict = (form.get("verdict") or "").strip()
    if verdict not in VERDICTS:
        raise FeedbackRefused(
            f"'{verdict[:40]}' is not a rating; use one of: " + ", ".join(VERDICTS) + "."
        )
    return Verdict(content_id, verdict)


def parse_priorities(fields: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The priorities form -> skill id -> weight in [0, 1].

    ``priority:<skill id>`` fields weigh the listed skills; ``add_skill`` (empty: none) with
    ``add_weight`` adds another. Which skills exist is checked when they are stored; here
    only the shape is.
    """
    priorities: dict[str, float] = {}
    posted = list(fields)
    for name, raw in posted:
        if name.startswith(PRIORITY_FIELD):
            priorities[_skill(name[len(PRIORITY_FIELD) :])] = _weight(name, raw)
    added = {name: raw for name, raw in posted if name in (ADD_SKILL, ADD_WEIGHT)}
    if added.get(ADD_SKILL):
        skill = _skill(added[ADD_SKILL])
        priorities[skill] = _weight(skill, added.get(ADD_WEIGHT, ""))
    if not priorities:
        raise FeedbackRefused(
            "The form named no skills; choose how much at least one matters to you."
        )
    return priorities


def _skill(skill: str) -> str:
    if not skill.strip():
        raise FeedbackRefused("A priority was posted without a skill.")
    return skill


def _weight(skill: str, raw: str) -> float:
    try:
        weight = float(raw)
    except ValueError as exc:
        raise FeedbackRefused(f"The weight for '{skill}' is not a number ('{raw[:20]}').") from exc
    if not math.isfinite(weight) or not 0 <= weight <= 1:
        raise FeedbackRefused(
            f"The weight for '{skill}' must be between 0 and 1, got '{raw[:20]}'."
        )
    return weight


def choice_for(weight: float) -> str:
    """The offered choice nearest a stated weight (a weight set through the API may differ)."""
    return min(WEIGHTS, key=lambda w: abs(float(w[0]) - weight))[0]


def thanks(code: str | None) -> str | None:
    return THANKS.get(code or "")
