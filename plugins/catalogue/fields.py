"""The documented catalogue columns and how each value is read.

Columns (CSV header or JSON keys): ``id``, ``title``, ``description``, ``format``,
``duration``, ``language``, ``difficulty``, ``url``, ``skills`` (optional). A vendor's export
rarely agrees on units, so duration and difficulty accept the forms catalogues actually use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from ...core.models import ContentFormat, ContentItem, ContentSkill

_T = TypeVar("_T")

COLUMNS = ("id", "title", "description", "format", "duration", "language", "difficulty", "url")
OPTIONAL_COLUMNS = ("skills",)
REQUIRED_COLUMNS = ("id", "title", "url")

#: Words vendors use for a format, mapped to learnwire's formats.
FORMAT_ALIASES = {
    "e-learning": ContentFormat.COURSE,
    "elearning": ContentFormat.COURSE,
    "scorm": ContentFormat.COURSE,
    "cmi5": ContentFormat.COURSE,
    "module": ContentFormat.COURSE,
    "book": ContentFormat.DOCUMENT,
    "ebook": ContentFormat.DOCUMENT,
    "pdf": ContentFormat.DOCUMENT,
    "quiz": ContentFormat.ASSESSMENT,
    "test": ContentFormat.ASSESSMENT,
    "lab": ContentFormat.EXERCISE,
    "practice": ContentFormat.EXERCISE,
    "webinar": ContentFormat.VIDEO,
    "audio": ContentFormat.PODCAST,
    "link": ContentFormat.OTHER,
}

#: Named levels, placed on learnwire's 0..1 difficulty scale.
DIFFICULTY_WORDS = {
    "beginner": 0.2,
    "introductory": 0.2,
    "basic": 0.2,
    "foundation": 0.2,
    "intermediate": 0.5,
    "advanced": 0.8,
    "expert": 0.95,
}

DEFAULT_DURATION_MINUTES = 30.0

_NUMBER = r"(\d+(?:\.\d+)?)"
_ISO = re.compile(rf"^P(?:{_NUMBER}D)?(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$")
_HUMAN = re.compile(
    r"^(?:(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:m|min|mins|minute|minutes))?$"
)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class FieldError(ValueError):
    """One value that cannot be read; the message names the column."""


def parse_format(value: str) -> ContentFormat:
    word = value.strip().lower()
    if not word:
        return ContentFormat.OTHER
    try:
        return ContentFormat(word)
    except ValueError:
        pass
    if word in FORMAT_ALIASES:
        return FORMAT_ALIASES[word]
    allowed = ", ".join(sorted({f.value for f in ContentFormat} | set(FORMAT_ALIASES)))
    raise FieldError(f"format is not known (use one of: {allowed})")


def parse_duration(value: Any) -> float | None:
    """Minutes, from ``45``, ``1h30m``, ``90 min``, ``01:30`` or ISO 8601 ``PT1H30M``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        minutes = float(value)
    else:
        text = str(value).strip()
        parsed = _text_minutes(text)
        if parsed is None:
            raise FieldError("duration is not a duration (minutes, '1h30m', '01:30' or 'PT1H30M')")
        minutes = parsed
    if not 0 < minutes <= 24 * 60:
        raise FieldError("duration must be more than 0 and at most 24 hours")
    return minutes


def _text_minutes(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    if m := _ISO.match(text.upper()):
        if text.upper() in ("P", "PT"):
            return None
        d, h, mi, s = (float(x) if x else 0.0 for x in m.groups())
        return d * 1440 + h * 60 + mi + s / 60
    if (m := _CLOCK.match(text)) is not None:
        return int(m.group(1)) * 60 + int(m.group(2)) + int(m.group(3) or 0) / 60
    if text and (m := _HUMAN.match(text.lower())) is not None and any(m.groups()):
        h, mi = (float(x) if x else 0.0 for x in m.groups())
        return h * 60 + mi
    return None


def parse_difficulty(value: Any) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.5
    if isinstance(value, str) and value.strip().lower() in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[value.strip().lower()]
    try:
        level = float(value)
    except (TypeError, ValueError):
        words = ", ".join(DIFFICULTY_WORDS)
        raise FieldError(
            f"difficulty is neither a number from 0 to 1 nor one of: {words}"
        ) from None
    if not 0 <= level <= 1:
        raise FieldError("difficulty must be between 0 and 1")
    return level


def parse_skills(value: Any) -> list[ContentSkill]:
    """``"sk-a; sk-b:0.5"`` in CSV; in JSON also a list of ids or ``{"id", "weight"}``."""
    if value is None or value == "":
        return []
    entries: list[Any] = value if isinstance(value, list) else str(value).split(";")
    skills: dict[str, float] = {}
    for entry in entries:
        if isinstance(entry, Mapping):
            sid, weight = str(entry.get("id", "")), entry.get("weight", 1.0)
        else:
            sid, _, w = str(entry).strip().partition(":")
            weight = w.strip() or 1.0
            if not sid.strip():
                continue
        try:
            skill = ContentSkill(skill_id=sid.strip(), weight=float(weight))
        except (ValueError, ValidationError):
            raise FieldError(
                "each skill must be a skill id, optionally ':weight' with 0 < weight <= 1"
            ) from None
        skills[skill.skill_id] = skill.weight
    return [ContentSkill(skill_id=s, weight=w) for s, w in skills.items()]


def build_item(provider: str, record: Mapping[str, Any]) -> tuple[ContentItem, bool]:
    """A content item from one row or object of documented fields.

    :returns: the item and whether its duration was missing (and defaulted).
    :raises FieldError: with every problem of the record, joined.
    """
    problems: list[str] = []
    for column in REQUIRED_COLUMNS:
        if not str(record.get(column) or "").strip():
            problems.append(f"'{column}' is required")
    fmt: ContentFormat = ContentFormat.OTHER
    duration: float | None = None
    difficulty = 0.5
    skills: list[ContentSkill] = []

    def attempt(read: Callable[[Any], _T], column: str, default: _T) -> _T:
        try:
            return read(record.get(column))
        except FieldError as exc:
            problems.append(str(exc))
            return default

    fmt = attempt(lambda v: parse_format(str(v or "")), "format", fmt)
    duration = attempt(parse_duration, "duration", duration)
    difficulty = attempt(parse_difficulty, "difficulty", difficulty)
    skills = attempt(parse_skills, "skills", skills)
    if problems:
        raise FieldError("; ".join(problems))
    url = str(record["url"]).strip()
    try:
        item = ContentItem(
            provider=provider,
            external_id=str(record["id"]).strip(),
            title=" ".join(str(record["title"]).split()),
            summary=str(record.get("description") or "").strip(),
            format=fmt,
            duration_minutes=duration or DEFAULT_DURATION_MINUTES,
            difficulty=difficulty,
            language=str(record.get("language") or "").strip() or "en",
            launch_url=url,
            activity_id=str(record.get("activity_id") or "").strip() or None,
            skills=skills,
        )
    except ValidationError as exc:
        raise FieldError("; ".join(_pydantic_problem(e) for e in exc.errors())) from None
    return item, duration is None


_FIELD_NAMES = {"external_id": "id", "summary": "description", "launch_url": "url"}


def _pydantic_problem(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()))
    column = _FIELD_NAMES.get(loc, loc)
    return f"'{column}': {error.get('msg', 'invalid')}"
