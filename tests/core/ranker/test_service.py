"""Recommendations end to end on the real store: intake -> governed view -> ranker -> API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from learnwire.core.learner import gain_store
from learnwire.core.learner.mastery import assessment_responses, fit_and_store
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
    SkillPrerequisite,
)
from learnwire.core.ranker.service import RecommendationService
from learnwire.core.sources import ContentBatch, SourceBatch
from learnwire.core.web.app import create_app
from learnwire.core.web.recommendations import SESSION_LEARNER

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SKILLS = [
    ("management.feedback", "feedback delivery"),
    ("management.coaching", "coaching"),
    ("communication.presenting", "presenting"),
    ("data.sql", "SQL"),
]


def _item(n: int, skill: str, fmt: str, difficulty: float) -> ContentItem:
    return ContentItem(
        provider="demo",
        external_id=f"i{n}",
        title=f"{skill} {n}",
        format=fmt,
        duration_minutes=5 + n % 10,
        difficulty=difficulty,
        launch_url=f"https://lms.example/mod/page/view.php?id={n}",
        activity_id=f"https://lms.example/activity/{n}",
        skills=[{"skill_id": skill}],
    )


@pytest.fixture
def org(runtime, db):
    """Two team leads with the same role but different histories and weeks."""
    intake = runtime.intake()
    items = [
        _item(n, s[0], ("video", "article", "exercise", "simulation")[n % 4], 0.2 + (n % 5) / 8)
        for n, s in enumerate(SKILLS * 6)
    ]
    people = {}
    with db.connection() as conn:
        intake.store(
            conn,
            SourceBatch(
                skills=[Skill(id=s, name=n, domain=s.split(".")[0]) for s, n in SKILLS],
                prerequisites=[
                    SkillPrerequisite(
                        skill_id="management.coaching", requires_skill_id="management.feedback"
                    )
                ],
                job_profiles=[
                    JobProfile(
                        id="team_lead",
                        name="Team Lead",
                        requirements=[
                            {"skill_id": "management.feedback", "target_level": 0.8},
                            {"skill_id": "management.coaching", "target_level": 0.7},
                            {"skill_id": "communication.presenting", "target_level": 0.7},
                        ],
                    )
                ],
            ),
            source="demo",
        )
        intake.store_content(conn, ContentBatch(items=items), provider="demo")
        for name in ("ana", "ben"):
            ref = IdentityRef(kind="demo", value=name)
            intake.store(
                conn,
                SourceBatch(
                    people=[PersonRecord(source="demo", identifiers=[ref])],
                    facts=[
                        HrFact(
                            subject=ref,
                            source="demo",
                            data_category="hr_profile",
                            occurred_at=NOW - timedelta(days=200),
                            fact_type=HrFactType.JOB_PROFILE,
                            value="team_lead",
                        )
                    ],
                ),
                source="demo",
            )
            people[name] = intake.resolver.resolve_subjects(conn, [ref], source="demo")[0]
        # Ana has shown she can present; Ben has shown he gives feedback well.
        events = []
        for who, skill in (("ana", "communication.presenting"), ("ben", "management.feedback")):
            for k in range(8):
                events.append(
                    LearningEvent(
                        statement_id=uuid.uuid4(),
                        learner_id=people[who],
                        source="demo",
                        data_category=DataCategory.ASSESSMENT,
                        occurred_at=NOW - timedelta(days=20 - k),
                        verb="http://adlnet.gov/expapi/verbs/passed",
                        object_id="https://lms.example/q",
                        skill_ids=[skill],
                        result={"success": True, "score_scaled": 0.9},
                    )
                )
        intake.store(conn, SourceBatch(events=events), source="demo")
        intake.store(
            conn,
            SourceBatch(
                calendar=[
                    CalendarSignal(
                        learner_id=people["ben"],
                        source="demo",
                        occurred_at=NOW,
                        situation="presentation",
                        starts_at=NOW + timedelta(days=1),
                        duration_minutes=45,
                        event_key="ben-pres-0001",
                    )
                ]
            ),
            source="demo",
        )
        fit_and_store(conn, assessment_responses(conn))
    return people


def test_service_same_role_learners_get_different_recommendations(runtime, org):
    svc = RecommendationService(runtime)
    ana = svc.recommend(org["ana"], at=NOW)
    ben = svc.recommend(org["ben"], at=NOW)
    assert [r.content_id for r in ana.recommendations] != [
        r.content_id for r in ben.recommendations
    ]
    assert all(r.explanation for r in ana.recommendations + ben.recommendations)
    with runtime.db.connection() as conn:
        stored = conn.execute("SELECT count(*) FROM recommendation").fetchone()[0]
    assert stored == len(ana.recommendations) + len(ben.recommendations)


def test_service_api_returns_items_scores_contributions_explanation(runtime, org):
    client = create_app(runtime).test_client()
    with client.session_transaction() as s:
        s[SESSION_LEARNER] = str(org["ben"])
    response = client.get(
        f"/api/v1/learners/{org['ben']}/recommendations?limit=4&at=2026-11-20T09:00:00Z"
    )
    assert response.status_code == 200, response.get_json()
    recs = response.get_json()["recommendations"]
    assert len(recs) == 4
    first = recs[0]
    assert {"item", "score", "contributions", "explanation", "stretch"} <= set(first)
    assert first["item"]["launch_url"].startswith("https://lms.example/")
    assert any("presentation is tomorrow" in r["explanation"] for r in recs)


def test_service_api_rejects_other_learner_and_bad_input(runtime, org):
    client = create_app(runtime).test_client()
    with client.session_transaction() as s:
        s[SESSION_LEARNER] = str(org["ana"])
    other = client.get(f"/api/v1/learners/{org['ben']}/recommendations")
    assert other.status_code == 403
    bad = client.get(f"/api/v1/learners/{org['ana']}/recommendations?at=yesterday")
    assert bad.status_code == 400 and bad.get_json()["field"] == "at"
    anonymous = (
        create_app(runtime).test_client().get(f"/api/v1/learners/{org['ana']}/recommendations")
    )
    assert anonymous.status_code == 401


def test_service_feedback_changes_the_next_ranking(runtime, org):
    client = create_app(runtime).test_client()
    with client.session_transaction() as s:
        s[SESSION_LEARNER] = str(org["ana"])
    url = f"/api/v1/learners/{org['ana']}/recommendations?at=2026-11-20T09:00:00Z"
    first = client.get(url).get_json()["recommendations"]
    dismissed = first[0]["item"]["id"]
    posted = client.post(
        f"/api/v1/learners/{org['ana']}/feedback",
        json={"content_id": dismissed, "verdict": "dismiss"},
    )
    assert posted.status_code == 201, posted.get_json()
    put = client.put(
        f"/api/v1/learners/{org['ana']}/priorities", json={"priorities": {"data.sql": 1.0}}
    )
    assert put.status_code == 200, put.get_json()
    second = client.get(url).get_json()["recommendations"]
    assert dismissed not in {r["item"]["id"] for r in second}
    assert any(r["item"]["title"].startswith("data.sql") for r in second)
    bad = client.post(
        f"/api/v1/learners/{org['ana']}/feedback", json={"content_id": dismissed, "verdict": "meh"}
    )
    assert bad.status_code == 400


def test_service_calendar_opt_out_blocks_the_signal(runtime, org):
    from learnwire.policies.access import Subject
    from learnwire.policies.consent import set_opt_out
    from learnwire.policies.engine import engine_for

    svc = RecommendationService(runtime)
    with runtime.db.connection() as conn:
        set_opt_out(
            conn, engine_for(runtime), org["ben"], "calendar", by=Subject.learner(org["ben"])
        )
    ranking = svc.recommend(org["ben"], at=NOW)
    uses = {u.name: u for u in ranking.signals}
    assert uses["upcoming_situation"].status == "blocked"
    assert "opt_out" in uses["upcoming_situation"].reason
    assert not any("presentation" in r.explanation for r in ranking.recommendations)


def test_service_batch_ranks_everyone_like_one_by_one(runtime, org):
    svc = RecommendationService(runtime)
    done = svc.recommend_all(at=NOW, chunk=1)
    with runtime.db.connection() as conn:
        learners = [r[0] for r in conn.execute("SELECT id FROM learner")]
        stored = {
            lid: [
                r[0]
                for r in conn.execute(
                    "SELECT content_id FROM recommendation WHERE learner_id = %s ORDER BY rank",
                    (lid,),
                )
            ]
            for lid in learners
        }
        single = {
            lid: [
                r.content_id for r in svc.rank(conn, lid, at=NOW, in_memory=True)[0].recommendations
            ]
            for lid in learners
        }
    assert done == len(learners) == 2
    assert stored == single
    assert svc.recommend_all(at=NOW) == 2, "ranking the same moment again replaces, not duplicates"
    assert svc.recommend_all(at=NOW, chunk=1, processes=2) == 2, "worker processes, same result"
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM recommendation").fetchone()[0] == sum(
            len(v) for v in stored.values()
        )


def test_service_model_follows_catalogue_and_fit_changes_but_not_replayed_syncs(runtime, org):
    """The shared model is rebuilt when what it is built from changes (the trigger-kept
    version of migration 0004), and only then: a re-run sync that changes nothing must not
    make every worker rebuild."""
    svc = RecommendationService(runtime)
    intake = runtime.intake()
    with runtime.db.connection() as conn:
        first = svc.model(conn)
        assert svc.model(conn) is first, "nothing changed: the same model"
    with runtime.db.connection() as conn:
        extra = _item(99, SKILLS[0][0], "video", 0.3).model_copy(update={"provider": "other"})
        intake.store_content(conn, ContentBatch(items=[extra]), provider="other")
    with runtime.db.connection() as conn:
        grown = svc.model(conn)
        assert grown is not first and len(grown.items) == len(first.items) + 1
    with runtime.db.connection() as conn:
        intake.store_content(conn, ContentBatch(items=[extra]), provider="other")
    with runtime.db.connection() as conn:
        assert svc.model(conn) is grown, "the identical item again changes nothing"
        conn.execute("UPDATE bkt_skill_params SET learn = learn")
    with runtime.db.connection() as conn:
        refitted = svc.model(conn)
        assert refitted is not grown, "refitted parameters (even equal ones) rebuild"
        conn.execute("UPDATE content_item SET retired_at = now() WHERE provider = 'other'")
    with runtime.db.connection() as conn:
        assert len(svc.model(conn).items) == len(first.items), "a retired item leaves"


def test_service_ranking_again_for_the_same_moment_replaces_what_was_stored(runtime, org):
    svc = RecommendationService(runtime)
    first = svc.recommend(org["ana"], at=NOW, limit=5)
    again = svc.recommend(org["ana"], at=NOW, limit=3)
    later = svc.recommend(org["ana"], at=NOW + timedelta(hours=1), limit=2)
    with runtime.db.connection() as conn:
        rows = conn.execute(
            "SELECT generated_at, rank, content_id, explanation, contributions "
            "FROM recommendation WHERE learner_id = %s ORDER BY generated_at, rank",
            (org["ana"],),
        ).fetchall()
    assert len(first.recommendations) == 5
    at_now = [r for r in rows if r[0] == NOW]
    assert [(r[1], r[2]) for r in at_now] == [
        (r.rank, r.content_id) for r in again.recommendations
    ], "the shorter ranking replaced the longer one, extra places included"
    assert [r[3] for r in at_now] == [r.explanation for r in again.recommendations]
    assert at_now[0][4] == [c.model_dump() for c in again.recommendations[0].contributions]
    assert len(rows) == len(again.recommendations) + len(later.recommendations)


def test_service_pgvector_search_returns_as_many_as_asked_and_the_nearest(runtime, org):
    """The index search explores hnsw.ef_search candidates (40 by default): the service sets
    it for the request's size in the same pipeline as the search, or results stop at 40."""
    from learnwire.core.embedders.content import column_dimension
    from learnwire.core.ranker.items import load_items
    from learnwire.core.ranker.service import _pgvector_neighbours

    rng = np.random.default_rng(5)
    extra = [
        _item(100 + n, SKILLS[n % 4][0], "article", 0.5).model_copy(update={"provider": "more"})
        for n in range(120)
    ]
    with runtime.db.connection() as conn:
        runtime.intake().store_content(conn, ContentBatch(items=extra), provider="more")
        dim = column_dimension(conn)
        ids = [r[0] for r in conn.execute("SELECT id FROM content_item ORDER BY id")]
        for cid in ids:
            conn.execute(
                "UPDATE content_item SET embedding = %s WHERE id = %s",
                (rng.normal(size=dim).astype(np.float32), cid),
            )
    with runtime.db.connection() as conn:
        items = load_items(conn)
        query = rng.normal(size=dim).astype(np.float32)
        query /= np.linalg.norm(query)
        # A catalogue this small would be scanned exactly; make the index answer.
        conn.execute("SET LOCAL enable_seqscan = off")
        found = _pgvector_neighbours(conn, items)(query, 80)
    exact = set(np.argsort(-(items.embedding @ query))[:80].tolist())
    assert len(found) == 80 and len(set(found.tolist())) == 80
    assert len(exact & set(found.tolist())) >= 72, "an approximate index, but close"


def test_service_scheduled_refit_fits_calibrates_and_moves_the_model(runtime, settings, org):
    """The worker's daily ``learner_model.fit`` does what ``learnwire model fit`` does, and
    serving processes pick the new model up by its version."""
    tasks = {t.name: t for t in runtime.collect("register_periodic_tasks")}
    task = tasks["learner_model.fit"]
    svc = RecommendationService(runtime)
    with runtime.db.connection() as conn:
        before = svc.model(conn)
        conn.execute("DELETE FROM bkt_skill_params")
    report = task.run(settings)
    assert report["skills"] >= 1 and report["responses"] > 0
    assert report["calibration"]["answers"] > 0
    with runtime.db.connection() as conn:
        fitted = conn.execute("SELECT count(*) FROM bkt_skill_params").fetchone()[0]
        after = svc.model(conn)
    assert fitted == report["skills"]
    assert after is not before and after.stamp != before.stamp
    curve = report["practice_curve"]
    # Too little practice here to fit: the documented defaults are stored and served.
    assert curve["answers"] > 0 and not curve["fitted"]
    with runtime.db.connection() as conn:
        stored = gain_store.load_report(conn)
        served = svc.model(conn).org.gain.params
    assert stored is not None and stored["params"] == curve["params"]
    assert served.as_dict() == curve["params"]
