"""What a Moodle activity is in learnwire's terms: its IRI, its format, how long it takes.

The activity IRI is the activity's view URL (``<site>/mod/<modname>/view.php?id=<cmid>``),
the same IRI Moodle's xAPI log store uses, so events from either path meet the same
content item.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

from ...core.models import ContentFormat

#: Names events and content of one site share; uuid5 keeps statement ids stable per site.
STATEMENT_NAMESPACE = uuid.UUID("0c3b7f0e-4a52-4a8e-9d59-3f7f5b0e1d2a")

#: Module types that are not something to learn from (labels, chat, polls, ...).
NOT_CONTENT = frozenset(
    {"label", "forum", "chat", "choice", "feedback", "survey", "data", "qbank", "subsection"}
)

_FORMATS: dict[str, ContentFormat] = {
    "page": ContentFormat.ARTICLE,
    "book": ContentFormat.ARTICLE,
    "wiki": ContentFormat.ARTICLE,
    "glossary": ContentFormat.ARTICLE,
    "url": ContentFormat.ARTICLE,
    "resource": ContentFormat.DOCUMENT,
    "folder": ContentFormat.DOCUMENT,
    "quiz": ContentFormat.ASSESSMENT,
    "assign": ContentFormat.ASSESSMENT,
    "workshop": ContentFormat.ASSESSMENT,
    "lesson": ContentFormat.EXERCISE,
    "h5pactivity": ContentFormat.EXERCISE,
    "hvp": ContentFormat.EXERCISE,
    "scorm": ContentFormat.COURSE,
    "imscp": ContentFormat.COURSE,
    "lti": ContentFormat.SIMULATION,
}

#: Minutes a typical activity of each type takes; settings ``durations`` override these and
#: a mapping file's per-activity ``duration_minutes`` overrides both.
DEFAULT_DURATIONS: dict[str, float] = {
    "page": 10,
    "book": 25,
    "wiki": 15,
    "glossary": 10,
    "url": 10,
    "resource": 15,
    "folder": 15,
    "quiz": 20,
    "assign": 45,
    "workshop": 60,
    "lesson": 30,
    "h5pactivity": 10,
    "hvp": 10,
    "scorm": 30,
    "imscp": 30,
    "lti": 30,
}
FALLBACK_DURATION = 15.0

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def activity_iri(site: str, modname: str, cmid: int) -> str:
    return f"{site}/mod/{modname}/view.php?id={cmid}"


def course_iri(site: str, course_id: int) -> str:
    return f"{site}/course/view.php?id={course_id}"


def content_format(module: dict[str, Any]) -> ContentFormat:
    """The format of a ``core_course_get_contents`` module; files go by their MIME type."""
    modname = str(module.get("modname", ""))
    if modname == "resource":
        mimetypes = [str(c.get("mimetype", "")) for c in module.get("contents") or []]
        if any(m.startswith("video/") for m in mimetypes):
            return ContentFormat.VIDEO
        if any(m.startswith("audio/") for m in mimetypes):
            return ContentFormat.PODCAST
    return _FORMATS.get(modname, ContentFormat.OTHER)


def duration_minutes(modname: str, overrides: dict[str, float]) -> float:
    return float(overrides.get(modname, DEFAULT_DURATIONS.get(modname, FALLBACK_DURATION)))


def plain_text(markup: str | None, limit: int = 8000) -> str:
    """Moodle descriptions are HTML; keep readable text only."""
    text = html.unescape(_TAGS.sub(" ", markup or ""))
    return _SPACES.sub(" ", text).strip()[:limit]


def statement_id(site: str, *parts: object) -> uuid.UUID:
    """A statement id derived from what the statement says, so a resync never duplicates."""
    return uuid.uuid5(STATEMENT_NAMESPACE, "|".join([site, *map(str, parts)]))
