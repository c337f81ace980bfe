"""Known xAPI verbs and the data category a statement using them belongs to.

The table covers the ADL vocabulary, cmi5, Moodle's logstore_xapi, Open edX (through the
TinCan, video, acrossx and virtual-classroom vocabularies) and the ActivityStreams verbs those
exporters use. A statement that records a judgement of the learner's performance (scored,
answered, passed, failed) is ``assessment`` data; everything else, including verbs nobody
listed here, is ``behavioural`` and kept, never dropped.
"""

from __future__ import annotations

from learnwire.core.models import DataCategory

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
VIDEO = "https://w3id.org/xapi/video/verbs/"
ACROSSX = "https://w3id.org/xapi/acrossx/verbs/"
CLASSROOM = "https://w3id.org/xapi/virtual-classroom/verbs/"
STREAMS = "http://activitystrea.ms/schema/1.0/"
NETC = "https://w3id.org/xapi/netc/verbs/"

ASSESSMENT_VERBS: frozenset[str] = frozenset(
    {ADL + "scored", ADL + "answered", ADL + "passed", ADL + "failed"}
)

#: Verb IRI -> short name learnwire uses in explanations and reports.
KNOWN_VERBS: dict[str, str] = {
    **{
        ADL + name: name
        for name in (
            "answered",
            "asked",
            "attempted",
            "attended",
            "commented",
            "completed",
            "exited",
            "experienced",
            "failed",
            "imported",
            "initialized",
            "interacted",
            "launched",
            "mastered",
            "passed",
            "preferred",
            "progressed",
            "registered",
            "responded",
            "resumed",
            "scored",
            "shared",
            "suspended",
            "terminated",
            "voided",
        )
    },
    # cmi5 defines these next to the ADL verbs it reuses.
    ADL_W3ID + "satisfied": "satisfied",
    ADL_W3ID + "abandoned": "abandoned",
    ADL_W3ID + "waived": "waived",
    ADL_W3ID + "logged-in": "logged-in",
    ADL_W3ID + "logged-out": "logged-out",
    # Moodle logstore_xapi and Open edX.
    TINCAN + "viewed": "viewed",
    TINCAN + "downloaded": "downloaded",
    TINCAN + "unregistered": "unregistered",
    TINCAN + "earned": "earned",
    TINCAN + "enrolled_onto_learning_plan": "enrolled",
    STREAMS + "create": "created",
    STREAMS + "receive": "received",
    STREAMS + "submit": "submitted",
    STREAMS + "join": "joined",
    STREAMS + "leave": "left",
    ACROSSX + "posted": "posted",
    ACROSSX + "evaluated": "evaluated",
    NETC + "accessed": "accessed",
    NETC + "uploaded": "uploaded",
    VIDEO + "played": "played",
    VIDEO + "paused": "paused",
    VIDEO + "seeked": "seeked",
    VIDEO + "completed": "completed",
    VIDEO + "interacted": "interacted",
    VIDEO + "initialized": "initialized",
    VIDEO + "terminated": "terminated",
    **{
        CLASSROOM + name: name
        for name in (
            "joined",
            "left",
            "muted",
            "unmuted",
            "raised-hand",
            "lowered-hand",
            "shared-screen",
            "unshared-screen",
            "started-camera",
            "stopped-camera",
        )
    },
}


def category_of(verb_id: str) -> DataCategory:
    """``assessment`` for verbs that judge the learner's performance, else ``behavioural``."""
    return DataCategory.ASSESSMENT if verb_id in ASSESSMENT_VERBS else DataCategory.BEHAVIOURAL


def verb_name(verb_id: str) -> str | None:
    """The short name of a known verb, or None for a verb learnwire has no entry for."""
    return KNOWN_VERBS.get(verb_id)
