"""Micro-surveys as learning events: "was this relevant to your work now?" after a completed
item, "did you use this? where?" 7-14 days later, and, for managers at an outcome horizon,
"have you seen your team apply X?" (aggregate, k-anonymous, never about one person).

Answers are xAPI-shaped statements in the ``feedback`` category, stored through intake, so
consent, retention and erasure apply to them as to any other signal.
"""

from .responses import SurveyResponse, survey_responses
from .vocabulary import (
    ANSWERS,
    APPLICATION,
    APPLICATION_VERB,
    KINDS,
    LABELS,
    NOTE_MAX_CHARS,
    OBSERVATION,
    OBSERVATION_VERB,
    PLACE_LABELS,
    PLACES,
    QUESTIONS,
    RELEVANCE,
    RELEVANCE_VERB,
    SURVEY_ACTIVITY,
    TEAM_ACTIVITY,
)

__all__ = [
    "ANSWERS",
    "APPLICATION",
    "APPLICATION_VERB",
    "KINDS",
    "LABELS",
    "NOTE_MAX_CHARS",
    "OBSERVATION",
    "OBSERVATION_VERB",
    "PLACES",
    "PLACE_LABELS",
    "QUESTIONS",
    "RELEVANCE",
    "RELEVANCE_VERB",
    "SURVEY_ACTIVITY",
    "TEAM_ACTIVITY",
    "SurveyResponse",
    "survey_responses",
]
