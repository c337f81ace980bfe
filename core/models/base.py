"""What every stored datum about a person carries: who (pseudonymously), from where, what
kind of data it is, when it happened and when we stored it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class Boundary(BaseModel):
    """Base for models crossing a boundary (HTTP, plugin output, files): unknown fields fail."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DataCategory(StrEnum):
    """Retention, purpose and access rules act on these categories."""

    BEHAVIOURAL = "behavioural"
    ASSESSMENT = "assessment"
    HR_PROFILE = "hr_profile"
    PERFORMANCE = "performance"
    CAREER = "career"
    CALENDAR = "calendar"
    FEEDBACK = "feedback"
    DERIVED = "derived"


class IdentityRef(Boundary):
    """One identifier of a person in one system, e.g. ``("moodle", "https://lms.example", "42")``.

    ``kind`` is the identifier scheme, ``namespace`` the system or issuer that scopes it
    (an LTI issuer, a Moodle site URL, a Workday tenant, ``mailto`` for emails).
    """

    kind: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")
    namespace: str = Field(default="", max_length=512)
    value: str = Field(min_length=1, max_length=2048)


class RecordMeta(Boundary):
    """Fields every stored record carries.

    Sources name the person by ``subject`` (an identifier they know); intake resolves it to
    the pseudonymous ``learner_id``. ``stored_at`` is set by the store.
    """

    learner_id: UUID | None = None
    subject: IdentityRef | None = None
    source: str = Field(min_length=1, max_length=128)
    data_category: DataCategory
    occurred_at: AwareDatetime
    stored_at: datetime | None = None

    @model_validator(mode="after")
    def _someone(self) -> RecordMeta:
        if self.learner_id is None and self.subject is None:
            raise ValueError("a record needs learner_id or subject to say whom it is about")
        return self
