"""The words of micro-surveys: their kinds, the answers each allows, and the xAPI IRIs
under which answers are stored.

Every answer is one xAPI-shaped statement in the ``feedback`` category. The verb says which
question was answered; the object is what the question was about (the content item's
activity for relevance and application, the team for an observation); ``result.response``
holds the answer word and the category context activity names the survey, so an LRS that
receives a copy can read it without learnwire.
"""

from __future__ import annotations

import uuid
from typing import Final

RELEVANCE: Final = "relevance"
APPLICATION: Final = "application"
OBSERVATION: Final = "observation"
KINDS: Final = (RELEVANCE, APPLICATION, OBSERVATION)

IRI_BASE: Final = "https://learnwire.dev/xapi/"
#: "Was this relevant to your work now?" answered by the learner, about one item.
RELEVANCE_VERB: Final = IRI_BASE + "verbs/judged-relevance"
#: "Did you use this? Where?" answered by the learner, 7-14 days after completing an item.
APPLICATION_VERB: Final = IRI_BASE + "verbs/reported-application"
#: "Have you seen your team apply X?" answered by a manager about a team, never a person.
OBSERVATION_VERB: Final = IRI_BASE + "verbs/observed-application"
VERBS: Final = {
    RELEVANCE: RELEVANCE_VERB,
    APPLICATION: APPLICATION_VERB,
    OBSERVATION: OBSERVATION_VERB,
}
KIND_OF_VERB: Final = {verb: kind for kind, verb in VERBS.items()}

#: The survey itself, as the statement's ``context.contextActivities.category``.
SURVEY_ACTIVITY: Final = {kind: IRI_BASE + f"activities/survey/{kind}" for kind in KINDS}
SURVEY_ACTIVITY_TYPE: Final = "http://adlnet.gov/expapi/activities/survey"
#: A team as an activity: ``{TEAM_ACTIVITY}{source}/{unit external id}``.
TEAM_ACTIVITY: Final = IRI_BASE + "activities/team/"
#: Context extensions carrying what the reader needs without joining the catalogue.
EXT_CONTENT: Final = IRI_BASE + "extensions/content-id"
EXT_SKILL: Final = IRI_BASE + "extensions/skill-id"
EXT_TEAM: Final = IRI_BASE + "extensions/team-id"
EXT_WHERE: Final = IRI_BASE + "extensions/where"
EXT_NOTE: Final = IRI_BASE + "extensions/note"

#: The fixed answers of each kind, in the order they are offered.
ANSWERS: Final[dict[str, tuple[str, ...]]] = {
    RELEVANCE: ("relevant", "not_relevant"),
    APPLICATION: ("used", "not_yet", "not_applicable"),
    OBSERVATION: ("seen_often", "seen_sometimes", "not_seen", "cannot_tell"),
}
LABELS: Final[dict[str, str]] = {
    "relevant": "Yes, relevant",
    "not_relevant": "Not relevant now",
    "used": "Yes, I used it",
    "not_yet": "Not yet",
    "not_applicable": "It does not apply to my work",
    "seen_often": "Yes, often",
    "seen_sometimes": "Sometimes",
    "not_seen": "Not yet",
    "cannot_tell": "I cannot tell",
}
QUESTIONS: Final[dict[str, str]] = {
    RELEVANCE: "Was this relevant to your work now?",
    APPLICATION: "Did you use this? Where?",
    OBSERVATION: "Have you seen your team apply this?",
}
#: Where an application happened (the fixed choice beside the optional note).
PLACES: Final = ("project", "meeting", "customer", "code_or_document", "teaching_others", "other")
PLACE_LABELS: Final[dict[str, str]] = {
    "project": "In a project",
    "meeting": "In a meeting",
    "customer": "With a customer",
    "code_or_document": "In code or a document",
    "teaching_others": "Teaching others",
    "other": "Elsewhere",
}
NOTE_MAX_CHARS: Final = 280

#: Statement ids are derived from who answered what, so a replayed tap is one statement.
SURVEY_NAMESPACE: Final = uuid.UUID("5d0f3c52-8f5a-4f0e-9a63-6a3c2b7de1a4")
