"""The LTI adapter's personal data outside ``learner_id`` columns: pylti1p3's launch data.

``lti_launch_data`` keeps each validated launch body (minimised, but with ``iss`` and the raw
``sub``) until it expires, keyed by launch id with no learner column. A launch body belongs
to a person when its (``iss``, ``sub``) hashes to one of the person's identity links.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ...core.config import Settings
from ...core.personal_data import Person, PersonalDataHolder
from ...core.store.identities import IdentityResolver, canonical_forms
from .context import lti_identity

Conn = psycopg.Connection[Any]


class LtiLaunchData(PersonalDataHolder):
    name = "lti"

    def __init__(self, key: bytes) -> None:
        self._resolver = IdentityResolver(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> LtiLaunchData:
        return cls(settings.pseudonym_secret())

    def _keys(self, conn: Conn, person: Person) -> list[str]:
        wanted = set(person.identifier_hashes)
        rows = conn.execute(
            "SELECT key, value->>'iss', value->>'sub' FROM lti_launch_data "
            "WHERE jsonb_typeof(value) = 'object' AND value ? 'sub'"
        ).fetchall()
        found = []
        for key, issuer, subject in rows:
            if issuer is None or subject is None:
                continue
            forms = canonical_forms(lti_identity(issuer, subject))
            if any(self._resolver.hash(*form) in wanted for form in forms):
                found.append(key)
        return found

    def export(self, conn: Conn, person: Person) -> dict[str, list[dict[str, Any]]]:
        keys = self._keys(conn, person)
        if not keys:
            return {}
        rows = conn.execute(
            "SELECT value, expires_at FROM lti_launch_data WHERE key = ANY(%s) ORDER BY key",
            (keys,),
        ).fetchall()
        return {
            "lti_launch_data": [
                {
                    "what": "the launch your LMS sent when you opened learnwire from it "
                    "(kept until it expires)",
                    "expires_at": expires.isoformat() if expires else None,
                    "claims": value,
                }
                for value, expires in rows
            ]
        }

    def erase(self, conn: Conn, person: Person) -> dict[str, int]:
        keys = self._keys(conn, person)
        if not keys:
            return {}
        gone = conn.execute("DELETE FROM lti_launch_data WHERE key = ANY(%s)", (keys,)).rowcount
        return {"lti_launch_data": gone}

    def remaining(self, conn: Conn, person: Person) -> dict[str, int]:
        left = len(self._keys(conn, person))
        return {"lti_launch_data": left} if left else {}
