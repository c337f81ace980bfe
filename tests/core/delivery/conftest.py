"""A small organisation to deliver to, and runtimes wired to local fake channels.

People: Ana (Europe/Berlin), Ben (America/New_York) and Chris (Asia/Tokyo), all team leads,
each with an e-mail address, a Slack user id and a Teams sign-in name. Ben has a presentation
on Tuesday 2026-11-24, so a nudge is due for him on Monday 2026-11-23.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from learnwire.core.delivery import preferences
from learnwire.core.models import (
    CalendarSignal,
    ContentItem,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    JobProfile,
    LearningEvent,
    PersonRecord,
    Skill,
)
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.sources import ContentBatch, SourceBatch

from ...conftest import make_settings

#: Monday 2026-11-23, 00:30 UTC: early on everyone's Monday but Tokyo's (09:30 there).
MONDAY = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
PRESENTATION = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
PEOPLE = {
    "ana": "Europe/Berlin",
    "ben": "America/New_York",
    "chris": "Asia/Tokyo",
}
SKILLS = [
    ("management.feedback", "feedback delivery"),
    ("management.coaching", "coaching"),
    ("communication.presenting", "presenting"),
]


def _item(n: int, skill: str) -> ContentItem:
    return ContentItem(
        provider="library",
        external_id=f"i{n}",
        title=f"{skill.split('.')[1].title()} piece {n}",
        format=("video", "article", "exercise")[n % 3],
        duration_minutes=4 + n % 7,
        difficulty=0.2 + (n % 5) / 8,
        launch_url=f"https://lms.example/mod/page/view.php?id={n}",
        activity_id=f"https://lms.example/activity/{n}",
        skills=[{"skill_id": skill}],
    )


@pytest.fixture
def make_runtime(database_url: str, tmp_path: Path, db: Any) -> Callable[..., Runtime]:
    """A runtime with every installed plugin and these per-plugin settings."""
    made: list[Runtime] = []

    def make(plugins: dict[str, dict[str, Any]] | None = None, **overrides: Any) -> Runtime:
        settings = make_settings(
            database_url, tmp_path, plugins=plugins or {}, public_url="http://lw.test", **overrides
        )
        runtime = Runtime(settings, pm=get_plugin_manager(settings), db=db)
        made.append(runtime)
        return runtime

    return make


@pytest.fixture
def org(make_runtime: Callable[..., Runtime], db: Any) -> dict[str, uuid.UUID]:
    """The people above with their catalogue; name -> learner id."""
    runtime = make_runtime()
    intake = runtime.intake()
    people: dict[str, uuid.UUID] = {}
    with db.connection() as conn:
        intake.store(
            conn,
            SourceBatch(
                skills=[Skill(id=s, name=n, domain=s.split(".")[0]) for s, n in SKILLS],
                job_profiles=[
                    JobProfile(
                        id="team_lead",
                        name="Team Lead",
                        requirements=[{"skill_id": s, "target_level": 0.8} for s, _ in SKILLS],
                    )
                ],
            ),
            source="hr",
        )
        items = [_item(n, s) for n, (s, _) in enumerate(SKILLS * 5)]
        intake.store_content(conn, ContentBatch(items=items), provider="library")
        for name, tz in PEOPLE.items():
            ref = IdentityRef(kind="hr", value=name)
            intake.store(
                conn,
                SourceBatch(
                    people=[PersonRecord(source="hr", identifiers=[ref], timezone=tz)],
                    facts=[
                        HrFact(
                            subject=ref,
                            source="hr",
                            data_category="hr_profile",
                            occurred_at=MONDAY - timedelta(days=300),
                            fact_type=HrFactType.JOB_PROFILE,
                            value="team_lead",
                        )
                    ],
                ),
                source="hr",
            )
            lid = intake.resolver.resolve_subjects(conn, [ref], source="hr")[0]
            conn.execute("UPDATE learner SET timezone = %s WHERE id = %s", (tz, lid))
            people[name] = lid
            preferences.set_contact(conn, lid, channel="email", address=f"{name}@example.com")
            preferences.set_contact(conn, lid, channel="slack", address=f"U0{name.upper()}")
            preferences.set_contact(conn, lid, channel="teams", address=f"{name}@example.com")
        intake.store(
            conn,
            SourceBatch(
                calendar=[
                    CalendarSignal(
                        learner_id=people["ben"],
                        source="calendar",
                        occurred_at=MONDAY - timedelta(days=3),
                        situation="presentation",
                        starts_at=PRESENTATION,
                        duration_minutes=45,
                        event_key="ben-pres-1",
                    )
                ]
            ),
            source="calendar",
        )
    return people


def activity(learner: uuid.UUID, when: datetime, n: int = 1, *, category: str = "behavioural"):
    """``n`` launches of an item by ``learner`` at ``when`` (one a day going back)."""
    return [
        LearningEvent(
            statement_id=uuid.uuid4(),
            learner_id=learner,
            source="lms",
            data_category=DataCategory(category),
            occurred_at=when - timedelta(days=7 * k),
            verb="http://adlnet.gov/expapi/verbs/experienced",
            object_id=f"https://lms.example/activity/{k % 5}",
        )
        for k in range(n)
    ]


def store_events(runtime: Runtime, events: list[LearningEvent]) -> None:
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(events=events), source="lms")
