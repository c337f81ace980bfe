"""Which skills a Moodle course or activity teaches: from the site's competencies (course
competencies and the activities linked to them) and from an optional mapping file.

Mapping file (YAML)::

    skills:                       # skills the file refers to, defined once
      - {id: feedback, name: Giving feedback, domain: management}
    competencies:                 # competency idnumber (or id) -> skill id
      FB-01: feedback
    courses:                      # course id or shortname -> skills of its activities
      LEAD101: [feedback]
    activities:                   # course module id (cmid) -> skills and overrides
      "345": {skills: [{skill: feedback, weight: 0.5}], duration_minutes: 12, difficulty: 0.7}

An activity's skills are its own (file + linked competencies); an activity without any
inherits its course's at half weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ...core.errors import ConfigurationError
from ...core.models import ContentSkill, Skill
from ...core.models.skills import SKILL_ID
from .activities import plain_text
from .client import MoodleAccessDenied, MoodleClient, MoodleError

_NOT_SKILL_CHARS = re.compile(r"[^a-z0-9_.:-]+")
COURSE_INHERITANCE = 0.5


class SkillRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skill: str = Field(pattern=SKILL_ID)
    weight: float = Field(default=1.0, gt=0, le=1)


def _refs(value: Any) -> Any:
    if isinstance(value, list):
        return [{"skill": v} if isinstance(v, str) else v for v in value]
    return value


class ActivityMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skills: list[SkillRef] = Field(default_factory=list)
    duration_minutes: float | None = Field(default=None, gt=0, le=24 * 60)
    difficulty: float | None = Field(default=None, ge=0, le=1)

    _skills = field_validator("skills", mode="before")(_refs)


class SkillMapFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skills: list[Skill] = Field(default_factory=list)
    competencies: dict[str, str] = Field(default_factory=dict)
    courses: dict[str, list[SkillRef]] = Field(default_factory=dict)
    activities: dict[str, ActivityMapping] = Field(default_factory=dict)

    @field_validator("courses", mode="before")
    @classmethod
    def _course_refs(cls, value: Any) -> Any:
        return {str(k): _refs(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("competencies", "activities", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    def referenced(self) -> set[str]:
        refs = {r.skill for rs in self.courses.values() for r in rs}
        refs |= {r.skill for a in self.activities.values() for r in a.skills}
        return refs | set(self.competencies.values())


def load_skill_map(path: Path | None) -> SkillMapFile:
    """Read and check the mapping file; every skill it refers to must be defined in it."""
    if path is None:
        return SkillMapFile()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
        mapping = SkillMapFile.model_validate(raw)
    except OSError as exc:
        raise ConfigurationError(f"Moodle skill map {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"Moodle skill map {path} is invalid: {exc}") from exc
    undefined = mapping.referenced() - {s.id for s in mapping.skills}
    if undefined:
        raise ConfigurationError(
            f"Moodle skill map {path} refers to skills it does not define under 'skills:': "
            + ", ".join(sorted(undefined))
        )
    return mapping


def skill_id_for_competency(competency: dict[str, Any], mapping: SkillMapFile) -> str:
    """The mapped skill id, else the competency's idnumber as a skill id."""
    idnumber = str(competency.get("idnumber") or "")
    for key in (idnumber, str(competency.get("id"))):
        if key and key in mapping.competencies:
            return mapping.competencies[key]
    slug = _NOT_SKILL_CHARS.sub("-", idnumber.lower()).strip("-._:")[:128]
    return slug or f"moodle-competency-{competency.get('id')}"


@dataclass
class SkillIndex:
    """Skills per course and per activity for the courses of one pull."""

    skills: dict[str, Skill] = field(default_factory=dict)
    by_course: dict[int, dict[str, float]] = field(default_factory=dict)
    by_activity: dict[int, dict[str, float]] = field(default_factory=dict)
    overrides: dict[int, ActivityMapping] = field(default_factory=dict)

    def for_activity(self, course_id: int, cmid: int) -> list[ContentSkill]:
        own = self.by_activity.get(cmid)
        if own:
            return [ContentSkill(skill_id=s, weight=w) for s, w in sorted(own.items())]
        inherited = self.by_course.get(course_id, {})
        return [
            ContentSkill(skill_id=s, weight=w * COURSE_INHERITANCE)
            for s, w in sorted(inherited.items())
        ]

    def for_course(self, course_id: int) -> list[ContentSkill]:
        return [
            ContentSkill(skill_id=s, weight=w)
            for s, w in sorted(self.by_course.get(course_id, {}).items())
        ]


class SkillIndexBuilder:
    """Builds a :class:`SkillIndex`, asking Moodle for competencies when they are on."""

    def __init__(
        self, client: MoodleClient, mapping: SkillMapFile, *, competencies: str, domain: str
    ) -> None:
        self.client, self.mapping, self.domain = client, mapping, domain
        self.competencies = competencies  # "auto" | "on" | "off"

    def build(self, courses: list[dict[str, Any]]) -> SkillIndex:
        index = SkillIndex(skills={s.id: s for s in self.mapping.skills})
        for cmid, activity in self.mapping.activities.items():
            if cmid.isdigit():
                index.overrides[int(cmid)] = activity
                index.by_activity[int(cmid)] = {r.skill: r.weight for r in activity.skills}
        for course in courses:
            course_id = int(course["id"])
            keys = (str(course_id), str(course.get("shortname", "")), str(course.get("idnumber")))
            refs = next((self.mapping.courses[k] for k in keys if k in self.mapping.courses), [])
            index.by_course[course_id] = {r.skill: r.weight for r in refs}
            if self.competencies != "off":
                self._add_competencies(index, course_id)
        return index

    def _add_competencies(self, index: SkillIndex, course_id: int) -> None:
        try:
            linked = self.client.course_competencies(course_id)
        except MoodleError as exc:
            # "auto" means: use competencies where the site offers them. A site with them
            # disabled, or a token whose service lacks the function, simply has none.
            if self.competencies == "auto" and (
                exc.errorcode == "competenciesarenotenabled" or isinstance(exc, MoodleAccessDenied)
            ):
                self.competencies = "off"
                return
            raise
        for entry in linked:
            competency = entry.get("competency") or {}
            skill_id = skill_id_for_competency(competency, self.mapping)
            if skill_id not in index.skills:
                index.skills[skill_id] = Skill(
                    id=skill_id,
                    name=str(competency.get("shortname") or skill_id)[:256],
                    domain=self.domain,
                    description=_text(competency.get("description")),
                )
            index.by_course.setdefault(course_id, {})[skill_id] = 1.0
            for module in entry.get("coursemodules") or []:
                index.by_activity.setdefault(int(module["id"]), {})[skill_id] = 1.0


def _text(markup: Any) -> str:
    return plain_text(str(markup or ""), limit=2000)
