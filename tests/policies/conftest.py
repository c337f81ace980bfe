"""Fixtures for the policy layer: an engine over the test database and a small builder of
organisations (learners, events, facts, calendar signals, teams) written straight to the
real store."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from learnwire.policies.engine import PolicyEngine
from learnwire.policies.validation import DEFAULTS_DIR

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Org:
    """Writes people and their records with plain SQL, as intake would have stored them."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._n = 0

    def learner(self, *, email: str | None = None) -> uuid.UUID:
        learner_id = uuid.uuid4()
        self.conn.execute("INSERT INTO learner (id) VALUES (%s)", (learner_id,))
        self._n += 1
        self.conn.execute(
            "INSERT INTO identity_link (value_hash, learner_id, kind, source, occurred_at) "
            "VALUES (%s, %s, 'email', 'test', %s)",
            (uuid.uuid4().hex + uuid.uuid4().hex, learner_id, NOW),
        )
        return learner_id

    def event(
        self,
        learner_id: uuid.UUID,
        *,
        category: str = "behavioural",
        days_ago: float = 1,
        skills: tuple[str, ...] = ("feedback",),
        score: float | None = None,
        completion: bool | None = True,
        verb: str = "http://adlnet.gov/expapi/verbs/completed",
    ) -> uuid.UUID:
        sid = uuid.uuid4()
        self.conn.execute(
            "INSERT INTO learning_event (statement_id, learner_id, source, data_category, "
            "occurred_at, verb, object_id, skill_ids, completion, score_scaled, statement) "
            "VALUES (%s, %s, 'lms', %s, %s, %s, 'https://lms.example/a/1', %s, %s, %s, %s)",
            (
                sid,
                learner_id,
                category,
                NOW - timedelta(days=days_ago),
                verb,
                list(skills),
                completion,
                score,
                json.dumps({"actor": {"account": {"name": str(learner_id)}}}),
            ),
        )
        return sid

    def fact(
        self,
        learner_id: uuid.UUID,
        *,
        fact_type: str = "job_profile",
        category: str = "hr_profile",
        value: Any = "team-lead",
        days_ago: float = 1,
        key: str = "",
    ) -> None:
        self.conn.execute(
            "INSERT INTO hr_fact (learner_id, source, fact_type, key, value, data_category, "
            "occurred_at) VALUES (%s, 'hr', %s, %s, %s, %s, %s)",
            (
                learner_id,
                fact_type,
                key,
                json.dumps(value),
                category,
                NOW - timedelta(days=days_ago),
            ),
        )

    def calendar(self, learner_id: uuid.UUID, *, starts_in_days: float = 1) -> None:
        starts = NOW + timedelta(days=starts_in_days)
        self.conn.execute(
            "INSERT INTO calendar_signal (learner_id, source, event_key, situation, starts_at, "
            "duration_minutes, occurred_at) VALUES (%s, 'cal', %s, 'one_to_one', %s, 30, %s)",
            (learner_id, uuid.uuid4().hex, starts, min(starts, NOW)),
        )

    def member(self, learner_id: uuid.UUID, unit: str, *, manager: bool = False) -> None:
        self.conn.execute(
            "INSERT INTO team_membership (learner_id, source, unit_external_id, is_manager, "
            "occurred_at) VALUES (%s, 'hr', %s, %s, %s)",
            (learner_id, unit, manager, NOW - timedelta(days=1)),
        )

    def conflict(self, *learner_ids: uuid.UUID) -> None:
        self.conn.execute(
            "INSERT INTO identity_conflict (source, learner_ids, kinds) VALUES ('hr', %s, %s)",
            (list(learner_ids), ["email"]),
        )


def wipe(db: Any) -> None:
    """Empty every table (as the shared ``db`` fixture does), for hypothesis examples."""
    with db.connection() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'schema_migration'"
            )
        ]
        conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


@pytest.fixture
def engine(db: Any, settings: Any) -> PolicyEngine:
    return PolicyEngine.from_settings(settings, db)


@pytest.fixture
def wipe_db(db: Any, engine: PolicyEngine):  # type: ignore[no-untyped-def]
    """Empty the store as a fresh deployment has it: the audit checkpoint goes too (else
    the emptied audit table is, rightly, reported as truncated)."""

    def fresh() -> None:
        wipe(db)
        if engine.audit.checkpoint is not None:
            engine.audit.checkpoint.path.unlink(missing_ok=True)

    return fresh


@pytest.fixture
def make_org():  # type: ignore[no-untyped-def]
    """``make_org(conn)`` -> an :class:`Org` writing through ``conn``."""
    return Org


@pytest.fixture
def now() -> datetime:
    """The moment the builder's ``days_ago`` are counted back from."""
    return NOW


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """An editable copy of the shipped policy documents."""
    target = tmp_path / "policy"
    target.mkdir()
    for source in DEFAULTS_DIR.glob("*.yaml"):
        (target / source.name).write_text(source.read_text())
    return target
