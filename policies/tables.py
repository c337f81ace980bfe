"""Which tables hold data about people, found from the catalogue rather than listed by hand.

Any base table of the current schema with a ``learner_id`` column (or a ``learner_ids``
array) holds personal data, so erasure, export and the erasure verification stay complete
when other parts of learnwire add tables. Tables that also carry ``data_category`` and
``occurred_at`` fall under retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

Conn = psycopg.Connection[Any]

#: Identifier links live until erasure: deleting them by age would split one person into
#: two learners the next time a source names them.
NOT_RETAINED = frozenset({"identity_link"})


@dataclass(frozen=True)
class PersonTable:
    name: str
    column: str
    is_array: bool
    columns: frozenset[str]

    @property
    def retained(self) -> bool:
        return (
            not self.is_array
            and self.name not in NOT_RETAINED
            and {"data_category", "occurred_at"} <= self.columns
        )


def all_tables(conn: Conn) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def person_tables(conn: Conn) -> list[PersonTable]:
    rows = conn.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
        "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
        "WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position"
    ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column, _ in rows:
        columns.setdefault(table, set()).add(column)
    found: list[PersonTable] = []
    for table, names in sorted(columns.items()):
        if "learner_id" in names:
            found.append(PersonTable(table, "learner_id", False, frozenset(names)))
        elif "learner_ids" in names:
            found.append(PersonTable(table, "learner_ids", True, frozenset(names)))
    return found


def retention_tables(conn: Conn) -> list[PersonTable]:
    return [t for t in person_tables(conn) if t.retained]
