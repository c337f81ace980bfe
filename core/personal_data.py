"""Personal data that parts of learnwire keep in their own shapes, reachable by erasure and
access requests through one interface.

Erasure and export cover every table with a ``learner_id`` column by themselves. Some data
names a person in other ways: an adapter's raw protocol state (the LTI launch body with its
``sub``), or the person's keyed identifier hashes inside *other* people's records (an xAPI
statement naming them as instructor). The part that stores such data knows its shape, so it
registers a :class:`PersonalDataHolder` through the ``register_personal_data`` hook; the
governance layer calls every holder when a person asks for their data or for erasure.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Person:
    """Whom a request is about: the pseudonymous id and the keyed hashes of every
    identifier linked to it (``identity_link.value_hash``). Raw identifiers are never
    stored by learnwire's core, so holders match on these hashes."""

    learner_id: UUID
    identifier_hashes: tuple[str, ...]


class PersonalDataHolder(ABC):
    """Data about people that a part of learnwire holds outside ``learner_id`` columns.

    Every method runs in the caller's transaction and must be idempotent: erasure can be run
    again to finish, after a failure or once a holder is fixed.
    """

    #: Short unique name, shown in reports ("lti", "xapi").
    name: str

    @abstractmethod
    def export(self, conn: Conn, person: Person) -> dict[str, list[dict[str, Any]]]:
        """What is held about ``person``, as ``{section: [record, ...]}`` of JSON-native
        records. Other people's data inside the same records is left out."""

    @abstractmethod
    def erase(self, conn: Conn, person: Person) -> dict[str, int]:
        """Delete ``person``'s own records and redact them from other people's records
        (keep the rest of those). Returns a count per kind of change."""

    @abstractmethod
    def remaining(self, conn: Conn, person: Person) -> dict[str, int]:
        """Records still naming ``person`` (erasure verifies that this is empty)."""
