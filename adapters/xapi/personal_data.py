"""The xAPI adapter's traces of a person inside *other* people's statements.

A stored statement names its actor by pseudonymous learner id (erasure deletes those rows
by ``learner_id``), and every other agent -- instructor, team members, an agent as object,
a sub-statement's actor -- by the keyed hash its identifier is linked under. Those hashes
stay in other learners' statements after the person is erased unless redacted: the agent
becomes an account named ``erased`` (in a group too), the rest of the statement,
which is the other learner's record, is kept. A group keeps the erased member as such, so an
anonymous group is never left without members (invalid xAPI).
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from ...core.personal_data import Person, PersonalDataHolder

Conn = psycopg.Connection[Any]
ERASED = "erased"


class XapiAgents(PersonalDataHolder):
    name = "xapi"

    def _needles(self, person: Person) -> list[str]:
        return [*person.identifier_hashes, str(person.learner_id)]

    def _rows(self, conn: Conn, person: Person) -> list[tuple[Any, ...]]:
        patterns = [f"%{n}%" for n in self._needles(person)]
        return conn.execute(
            "SELECT statement_id, statement, object_id, verb, occurred_at FROM learning_event "
            "WHERE learner_id <> %s AND (statement::text LIKE ANY(%s) OR object_id LIKE ANY(%s))",
            (person.learner_id, patterns, patterns),
        ).fetchall()

    def export(self, conn: Conn, person: Person) -> dict[str, list[dict[str, Any]]]:
        needles = set(self._needles(person))
        records = [
            {
                "what": "a statement about another learner's activity that names you",
                "statement_id": str(statement_id),
                "occurred_at": occurred.isoformat(),
                "verb": verb,
                "you_appear_as": sorted(set(_places(statement, needles))),
            }
            for statement_id, statement, _, verb, occurred in self._rows(conn, person)
        ]
        return {"named_in_other_statements": records} if records else {}

    def erase(self, conn: Conn, person: Person) -> dict[str, int]:
        needles = set(self._needles(person))
        changed = 0
        for statement_id, statement, object_id, _, _ in self._rows(conn, person):
            redacted = _redact(statement, needles)
            for needle in needles:
                object_id = object_id.replace(needle, ERASED)
            conn.execute(
                "UPDATE learning_event SET statement = %s, object_id = %s WHERE statement_id = %s",
                (json.dumps(redacted), object_id, statement_id),
            )
            changed += 1
        return {"statements_redacted": changed} if changed else {}

    def remaining(self, conn: Conn, person: Person) -> dict[str, int]:
        left = len(self._rows(conn, person))
        return {"statements_naming_the_person": left} if left else {}


def _names(value: Any, needles: set[str]) -> bool:
    """Is ``value`` an Agent or Group identified by one of the person's hashes?"""
    if not isinstance(value, dict):
        return False
    account = value.get("account")
    return isinstance(account, dict) and account.get("name") in needles


def _redact(value: Any, needles: set[str]) -> Any:
    if isinstance(value, list):
        return [_redact(v, needles) for v in value]
    if not isinstance(value, dict):
        return value
    if _names(value, needles):
        out: dict[str, Any] = {
            "objectType": value.get("objectType", "Agent"),
            "account": {"homePage": value["account"].get("homePage", ""), "name": ERASED},
        }
        if "member" in value:
            out["member"] = _redact(value["member"], needles)
        return out
    return {k: _redact(v, needles) for k, v in value.items()}


def _places(value: Any, needles: set[str], path: str = "") -> list[str]:
    """Where in a statement the person is named (``context.instructor``, ``object``...)."""
    if _names(value, needles):
        return [path or "statement"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _places(v, needles, f"{path}.{k}".lstrip("."))]
    if isinstance(value, list):
        return [p for v in value for p in _places(v, needles, f"{path}[]")]
    return []
