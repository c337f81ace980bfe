"""Curation reports on a small organisation with a known gap, a stale item, a duplicate and
an item whose learners' later answers contradict its tag."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from learnwire.core.embedders.plugin import embed_content
from learnwire.core.learner import feedback

from .conftest import import_sample, run

T = datetime(2026, 10, 1, 9, tzinfo=UTC)
ADL = "http://adlnet.gov/expapi/verbs/"


def report(runtime, *args):
    return json.loads(run(runtime, "curation", *args, "--json").output)


def _event(
    conn, learner, verb, at, *, content=None, skills=(), success=None, category="behavioural"
):
    conn.execute(
        "INSERT INTO learning_event (statement_id, learner_id, source, data_category, "
        "occurred_at, verb, object_id, content_id, skill_ids, success, statement) "
        "VALUES (%s, %s, 'test', %s, %s, %s, 'https://x.example/a', %s, %s, %s, '{}')",
        (uuid.uuid4(), learner, category, at, ADL + verb, content, list(skills), success),
    )


@pytest.fixture
def org(runtime, db):
    import_sample(runtime)
    learners = [uuid.uuid4() for _ in range(7)]
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO job_profile (id, name) VALUES ('analyst', 'Analyst'), ('buyer', 'Buyer')"
        )
        conn.execute(
            "INSERT INTO job_profile_skill VALUES ('analyst', 'sql', 0.5, 1), "
            "('analyst', 'negotiation', 0.6, 1), ('buyer', 'feedback', 0.9, 1)"
        )
        ids = {r[0]: r[1] for r in conn.execute("SELECT external_id, id FROM content_item")}
        for n, lid in enumerate(learners):
            conn.execute("INSERT INTO learner (id) VALUES (%s)", (lid,))
            profile = "buyer" if n >= 5 else "analyst"
            conn.execute(
                "INSERT INTO hr_fact (learner_id, source, fact_type, value, data_category, "
                "occurred_at) VALUES (%s, 'test', 'job_profile', %s, 'hr_profile', %s)",
                (lid, json.dumps(profile), T),
            )
            conn.execute(
                "INSERT INTO learner_skill_mastery (learner_id, skill_id, p_mastery, "
                "occurred_at) VALUES (%s, 'negotiation', 0.1, %s), (%s, 'feedback', 0.1, %s)",
                (lid, T, lid, T),
            )
            if profile == "analyst":
                # Finished the SQL course; SQL answers no better after, data analysis much.
                _event(conn, lid, "launched", T, content=ids["CRS-101"])
                _event(conn, lid, "completed", T, content=ids["CRS-101"])
                for days, ok_sql, ok_da in (
                    (-5, True, False),
                    (-4, False, False),
                    (4, False, True),
                    (5, True, True),
                ):
                    at = T + timedelta(days=days)
                    _event(
                        conn,
                        lid,
                        "answered",
                        at,
                        skills=["sql"],
                        success=ok_sql,
                        category="assessment",
                    )
                    _event(
                        conn,
                        lid,
                        "answered",
                        at,
                        skills=["data-analysis"],
                        success=ok_da,
                        category="assessment",
                    )
            # Everyone launches the hybrid-teams podcast; only one finishes it.
            _event(conn, lid, "launched", T, content=ids["POD-001"])
        _event(conn, learners[0], "completed", T, content=ids["POD-001"])
        # Ratings name an item without an activity id by its launch URL.
        for lid in learners[:3]:
            feedback.rate(
                conn,
                runtime.intake(),
                learner_id=lid,
                content_id=ids["POD-001"],
                verdict="not_useful",
                at=T,
            )
        conn.execute(
            "UPDATE content_item SET updated_at = now() - interval '2 years' "
            "WHERE external_id = 'POD-001'"
        )
    return learners


def test_curation_gaps_weighs_demand_and_shows_the_known_gap(runtime, org):
    rows = report(runtime, "gaps", "--enough-items", "1")
    assert [(r["skill_id"], r["level"], r["people_with_gap"]) for r in rows] == [
        ("negotiation", "intermediate", 5)
    ]
    assert rows[0]["demand"] == pytest.approx(5 * 0.5, abs=1e-3) and rows[0]["items"] == 0
    # Only two buyers lack feedback: too few people to show.
    assert (
        report(runtime, "gaps", "--enough-items", "1", "--min-people", "2")[1]["skill_id"]
        == "feedback"
    )


def test_curation_stale_lists_evidence_and_proposes_retirement(runtime, org):
    rows = report(runtime, "stale")
    assert [r["external_id"] for r in rows] == ["POD-001"]
    assert rows[0]["evidence"]["starts"] == 7 and rows[0]["evidence"]["completions"] == 1
    assert rows[0]["reasons"] == ["completion 14% of 7 starts", "3 of 3 ratings not useful"]
    run(runtime, "curation", "stale", "--propose", "curator")
    listed = json.loads(run(runtime, "content", "retirement", "list", "--json").output)
    assert listed[0]["external_id"] == "POD-001" and listed[0]["evidence"]["starts"] == 7
    assert report(runtime, "stale") == [], "a proposed item is not proposed twice"


def test_curation_duplicates_finds_near_identical_items(runtime, org, db):
    embed_content(runtime)
    assert report(runtime, "duplicates") == []
    with db.connection() as conn:
        conn.execute(
            "UPDATE content_item SET embedding = (SELECT embedding FROM content_item "
            "WHERE external_id = 'CRS-101') WHERE external_id = 'lx-4411'"
        )
    rows = report(runtime, "duplicates")
    assert len(rows) == 1 and rows[0]["similarity"] == pytest.approx(1.0, abs=1e-3)
    assert {rows[0]["a"]["external_id"], rows[0]["b"]["external_id"]} == {"CRS-101", "lx-4411"}


def test_curation_disagreements_flags_tags_later_answers_contradict(runtime, org):
    rows = report(runtime, "disagreements")
    assert [(r["external_id"], r["tagged_skill"], r["answers_suggest"]) for r in rows] == [
        ("CRS-101", "sql", "data-analysis")
    ]
    assert rows[0]["tagged_skill_lift"] == 0 and rows[0]["suggested_skill_lift"] == 1
    assert report(runtime, "disagreements", "--min-people", "6") == []
