"""A small organisation for the pages: the test library's skills and items, one team of six
(enough for k = 5) and one of three, both managed by one person, with learning records and
model estimates written to the real store; and sign-ins opened as the doors open them."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from learnwire.core.web.app import create_app
from learnwire.plugins.pages.signin import open_session

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def fixture_module(name: str) -> ModuleType:
    qualified = f"lw_fixtures.{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, FIXTURES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
    return sys.modules[qualified]


@dataclass
class SampleOrg:
    manager: uuid.UUID
    big_team: list[uuid.UUID] = field(default_factory=list)
    small_team: list[uuid.UUID] = field(default_factory=list)
    items: dict[str, uuid.UUID] = field(default_factory=dict)


def _learner(conn: Any) -> uuid.UUID:
    learner_id = uuid.uuid4()
    conn.execute("INSERT INTO learner (id) VALUES (%s)", (learner_id,))
    return learner_id


def _member(conn: Any, learner_id: uuid.UUID, unit: str, manager: bool = False) -> None:
    conn.execute(
        "INSERT INTO team_membership (learner_id, source, unit_external_id, is_manager, "
        "occurred_at) VALUES (%s, 'hr', %s, %s, now() - interval '200 days')",
        (learner_id, unit, manager),
    )


def _profile(conn: Any, learner_id: uuid.UUID, profile: str = "team-lead") -> None:
    conn.execute(
        "INSERT INTO hr_fact (learner_id, source, fact_type, key, value, data_category, "
        "occurred_at) VALUES (%s, 'hr', 'job_profile', '', %s, 'hr_profile', "
        "now() - interval '200 days')",
        (learner_id, json.dumps(profile)),
    )


def _activity(conn: Any, learner_id: uuid.UUID, n: int, items: dict[str, uuid.UUID]) -> None:
    titles = ["Feedback that lands", "Coaching questions", "SQL joins"]
    for i in range(n):
        title = titles[i % len(titles)]
        skill = {"Feedback that lands": "feedback", "Coaching questions": "coaching"}.get(
            title, "sql"
        )
        at = datetime.now(UTC) - timedelta(days=3 + 9 * i)
        conn.execute(
            "INSERT INTO learning_event (statement_id, learner_id, source, data_category, "
            "occurred_at, verb, object_id, content_id, skill_ids, completion, success, "
            "score_scaled, statement) VALUES (%s, %s, 'lms', 'assessment', %s, "
            "'http://adlnet.gov/expapi/verbs/completed', %s, %s, %s, true, %s, %s, '{}')",
            (
                uuid.uuid4(),
                learner_id,
                at,
                f"https://library.example/{skill}",
                items[title],
                [skill],
                i % 2 == 0,
                0.5 + 0.05 * i,
            ),
        )
    for skill, level in (("feedback", 0.4 + 0.02 * n), ("coaching", 0.3 + 0.03 * n)):
        conn.execute(
            "INSERT INTO learner_skill_mastery (learner_id, skill_id, p_mastery, n_events, "
            "occurred_at) VALUES (%s, %s, %s, %s, now())",
            (learner_id, skill, level, n),
        )


@pytest.fixture
def sample_org(runtime: Any) -> SampleOrg:
    library = fixture_module("learning_library")
    items = library.seed_library(runtime)
    with runtime.db.connection() as conn:
        org = SampleOrg(manager=_learner(conn), items=items)
        _profile(conn, org.manager)
        _member(conn, org.manager, "team-a", manager=True)
        _member(conn, org.manager, "team-b", manager=True)
        conn.execute(
            "INSERT INTO org_unit (source, external_id, name, kind) VALUES "
            "('hr', 'team-a', 'Platform team', 'team'), ('hr', 'team-b', 'Data team', 'team')"
        )
        for n in range(6):
            person = _learner(conn)
            _profile(conn, person)
            _member(conn, person, "team-a")
            _activity(conn, person, 3 + n, items)
            org.big_team.append(person)
        for n in range(3):
            person = _learner(conn)
            _profile(conn, person)
            _member(conn, person, "team-b")
            _activity(conn, person, 2 + n, items)
            org.small_team.append(person)
    return org


@pytest.fixture
def app(runtime: Any) -> Any:
    return create_app(runtime)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def door(runtime: Any):  # type: ignore[no-untyped-def]
    """``door(learner_id, via=..., **claims)`` -> a page-session token, as a sign-in opens."""

    def open_door(learner_id: uuid.UUID, via: str = "lti", **claims: Any) -> str:
        with runtime.db.connection() as conn:
            return open_session(
                conn, learner_id, via=via, claims=claims, lifetime=timedelta(hours=1)
            )

    return open_door
