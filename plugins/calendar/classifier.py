"""Classifies a calendar event into a work situation from its words and its shape.

The classifier sees an event's text (title, description, categories) and structural facts
(attendee count, recurrence, duration, external attendees, who organises) and scores every
situation of the :class:`~.vocabulary.Vocabulary`:

* each keyword pattern that matches adds its weight once;
* each rule whose conditions all hold adds its weight (e.g. exactly two attendees and a
  recurring series adds to ``one_to_one``).

The best-scoring situation wins if its score reaches the vocabulary's threshold; a tie goes
to the situation listed first. An event matching an ``ignore`` pattern (lunch, leave, a
doctor's appointment) is not classified at all, whatever else it says. The text is only
read here, in memory: nothing of it leaves this module except the situation's name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .vocabulary import Condition, Vocabulary, load_vocabulary

#: How much of a description is read; agendas beyond this add noise, not signal.
MAX_TEXT = 4000


@dataclass(frozen=True)
class EventFeatures:
    """What the classifier may look at. Built in memory and never stored."""

    text: str
    attendees: int = 0
    recurring: bool = False
    duration_minutes: float = 0.0
    external: bool = False
    organiser: bool | None = None


@dataclass(frozen=True)
class Classification:
    """The outcome: ``situation`` is None when nothing reached the threshold or the event
    was ignored. ``reasons`` list what contributed (patterns and rules, never event text)."""

    situation: str | None
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    ignored: bool = False


def normalise(text: str) -> str:
    """Lower-case, accents removed, whitespace collapsed: the form patterns are written for."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_TEXT])
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("ß", "ss").split())


def _holds(condition: Condition, features: EventFeatures) -> bool:
    checks: list[bool] = []
    if condition.attendees is not None:
        checks.append(features.attendees == condition.attendees)
    if condition.min_attendees is not None:
        checks.append(features.attendees >= condition.min_attendees)
    if condition.max_attendees is not None:
        checks.append(features.attendees <= condition.max_attendees)
    if condition.recurring is not None:
        checks.append(features.recurring == condition.recurring)
    if condition.min_minutes is not None:
        checks.append(features.duration_minutes >= condition.min_minutes)
    if condition.max_minutes is not None:
        checks.append(features.duration_minutes <= condition.max_minutes)
    if condition.external is not None:
        checks.append(features.external == condition.external)
    if condition.organiser is not None:
        checks.append(features.organiser is not None and features.organiser == condition.organiser)
    return all(checks)


def _describe(condition: Condition) -> str:
    parts = [f"{k}={v}" for k, v in condition.model_dump(exclude_none=True).items()]
    return ", ".join(parts) or "always"


class SituationClassifier:
    """Scores events against a vocabulary. Stateless once built; safe to share."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or load_vocabulary()

    @property
    def situations(self) -> list[str]:
        return list(self.vocabulary.situations)

    def classify(self, features: EventFeatures) -> Classification:
        text = normalise(features.text)
        for pattern in self.vocabulary.compiled_ignore:
            if pattern.search(text):
                return Classification(
                    None, 0.0, reasons=(f"ignored: {pattern.pattern}",), ignored=True
                )
        scores: dict[str, float] = {}
        reasons: dict[str, list[str]] = {}
        for name, situation in self.vocabulary.situations.items():
            score = 0.0
            why: list[str] = []
            for pattern, weight in self.vocabulary.compiled_keywords[name]:
                if pattern.search(text):
                    score += weight
                    why.append(f"keyword {pattern.pattern} ({weight:+g})")
            for rule in situation.rules:
                if _holds(rule.when, features):
                    score += rule.weight
                    why.append(f"rule {_describe(rule.when)} ({rule.weight:+g})")
            scores[name] = round(score, 6)
            reasons[name] = why
        best = max(scores, key=lambda n: scores[n], default=None)  # first of equals wins
        if best is None or scores[best] < self.vocabulary.threshold:
            return Classification(None, scores.get(best, 0.0) if best else 0.0, scores)
        return Classification(best, scores[best], scores, tuple(reasons[best]))
