"""Domain models at learnwire's boundaries (pydantic v2, ``extra="forbid"``)."""

from .base import Boundary, DataCategory, IdentityRef, RecordMeta
from .calendar import CalendarSignal
from .content import ContentFormat, ContentItem, ContentSkill
from .events import EventResult, LearningEvent, learnwire_statement
from .hr import HrFact, HrFactType
from .identity import IdentityKind, Learner, PersonRecord
from .org import OrgUnit, TeamMembership
from .recommendation import Recommendation, SignalContribution
from .skills import JobProfile, Skill, SkillPrerequisite, SkillRequirement

__all__ = [
    "Boundary",
    "CalendarSignal",
    "ContentFormat",
    "ContentItem",
    "ContentSkill",
    "DataCategory",
    "EventResult",
    "HrFact",
    "HrFactType",
    "IdentityKind",
    "IdentityRef",
    "JobProfile",
    "Learner",
    "LearningEvent",
    "OrgUnit",
    "PersonRecord",
    "Recommendation",
    "RecordMeta",
    "SignalContribution",
    "Skill",
    "SkillPrerequisite",
    "SkillRequirement",
    "TeamMembership",
    "learnwire_statement",
]
