"""Learners and the identifiers that link one person across systems."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from .base import Boundary, IdentityRef


class IdentityKind(StrEnum):
    """Identifier schemes learnwire knows; plugins may use other lowercase names."""

    LTI = "lti"  # namespace = issuer, value = sub
    MOODLE = "moodle"  # namespace = site URL, value = user id
    WORKDAY = "workday"  # namespace = tenant, value = worker id
    EMPLOYEE_ID = "employee_id"
    EMAIL = "email"
    MBOX = "mbox"  # xAPI mailto IRI
    MBOX_SHA1SUM = "mbox_sha1sum"
    ACCOUNT = "account"  # xAPI account: namespace = homePage, value = name
    DEMO = "demo"


class Learner(Boundary):
    """A person as learnwire knows them: a random id, never a name or email."""

    id: UUID
    timezone: str = "UTC"
    locale: str = "en"
    created_at: datetime | None = None


class PersonRecord(Boundary):
    """A source's statement that these identifiers belong to one person.

    ``timezone`` and ``locale`` are the only personal attributes kept on the learner itself.
    """

    source: str = Field(min_length=1)
    identifiers: list[IdentityRef] = Field(min_length=1)
    timezone: str | None = None
    locale: str | None = None
