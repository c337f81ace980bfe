"""Loading the sample organisation through sync and intake into the real store."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date

import pytest

from learnwire.plugins.demo.catalogue import library
from learnwire.plugins.demo.history import learner_history
from learnwire.plugins.demo.learners import latent_profile
from learnwire.plugins.demo.loader import load_demo
from learnwire.plugins.demo.organisation import build_organisation
from learnwire.plugins.demo.roles import PROFILES
from learnwire.plugins.demo.situations import upcoming_situations
from learnwire.plugins.demo.source import DemoMismatch, DemoParameters
from learnwire.plugins.demo.summary import demo_summary
from learnwire.plugins.demo.taxonomy import SKILLS

TODAY = date(2026, 11, 20)
PARAMS = DemoParameters(seed=13, learners=60, today=TODAY)

COUNTS = {
    "learner": "SELECT count(*) FROM learner",
    "identity_link": "SELECT count(*) FROM identity_link",
    "team_membership": "SELECT count(*) FROM team_membership",
    "hr_fact": "SELECT count(*) FROM hr_fact",
    "learning_event": "SELECT count(*) FROM learning_event",
    "calendar_signal": "SELECT count(*) FROM calendar_signal",
    "content_item": "SELECT count(*) FROM content_item",
    "org_unit": "SELECT count(*) FROM org_unit",
}


def _counts(db) -> dict[str, int]:
    with db.connection() as conn:
        return {k: conn.execute(sql).fetchone()[0] for k, sql in COUNTS.items()}


def _expected(params: DemoParameters) -> dict[str, int]:
    org = build_organisation(params.seed, params.learners)
    statements = situations = 0
    for person in range(org.size):
        profile = latent_profile(org, person)
        statements += len(learner_history(org.seed, profile, params.today).statements)
        situations += len(upcoming_situations(org, profile, params.today))
    return {
        "learners": org.size,
        "teams": len(org.teams),
        "statements": statements,
        "situations": situations,
        "roles": Counter(PROFILES[int(p)].id for p in org.profile_of),
    }


def test_loader_stores_a_consistent_organisation(runtime, db):
    report = load_demo(runtime, PARAMS, batch_size=25)
    expected = _expected(PARAMS)
    summary = demo_summary(db)
    assert report.totals()["rejected"] == 0
    assert summary["learners"] == expected["learners"]
    assert summary["teams"] == expected["teams"] and len(summary["departments"]) == 10
    assert sum(d["people"] for d in summary["departments"]) == PARAMS.learners
    assert {r["job_profile"]: r["learners"] for r in summary["learners_per_role"]} == dict(
        expected["roles"]
    )
    assert summary["skills"] == len(SKILLS) and summary["prerequisites"] > 30
    assert summary["content_items"] == len(library()) >= 300
    assert set(summary["content_by_format"]) == {"video", "article", "exercise", "simulation"}
    assert summary["statements"] == expected["statements"]
    assert summary["calendar_situations"] == expected["situations"]
    counts = _counts(db)
    assert counts["learner"] == PARAMS.learners  # HR, LRS and calendar met on one learner each
    assert counts["team_membership"] == PARAMS.learners
    with db.connection() as conn:
        unlinked = conn.execute(
            "SELECT count(*) FROM learning_event WHERE content_id IS NULL OR skill_ids = '{}'"
        ).fetchone()[0]
        people_per_source = conn.execute(
            "SELECT source, count(DISTINCT learner_id) FROM ("
            "SELECT learner_id, source FROM learning_event UNION ALL "
            "SELECT learner_id, source FROM calendar_signal UNION ALL "
            "SELECT learner_id, source FROM hr_fact) x GROUP BY 1"
        ).fetchall()
        leaked = conn.execute(
            "SELECT count(*) FROM learning_event WHERE statement ? 'actor' "
            "OR statement::text ~ 'E0[0-9]{5}' OR statement::text LIKE '%%@larkspur.example%%'"
        ).fetchone()[0]
    assert unlinked == 0
    assert {s: n for s, n in people_per_source}["demo-hr"] == PARAMS.learners
    assert max(n for _, n in people_per_source) == PARAMS.learners
    assert leaked == 0, "stored statements keep no actor identifier"


def test_loader_running_again_creates_no_duplicates(runtime, db):
    load_demo(runtime, PARAMS)
    first = _counts(db)
    again = load_demo(runtime, PARAMS)
    assert again.totals() == {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    full = load_demo(runtime, PARAMS, full=True, batch_size=17)
    totals = full.totals()
    assert totals["new"] == totals["updated"] == totals["rejected"] == 0
    assert totals["unchanged"] > first["learning_event"]
    assert _counts(db) == first


def test_loader_resumes_an_interrupted_load_without_gaps(runtime, db):
    class Stop(Exception):
        pass

    @contextmanager
    def stop_in_history(label: str, total: int):
        calls = 0

        def advance(n: int) -> None:
            nonlocal calls
            calls += 1
            if label == "learning history" and calls == 2:
                raise Stop

        yield advance

    with pytest.raises(Stop):
        load_demo(runtime, PARAMS, batch_size=20, progress=stop_in_history)
    partial = _counts(db)["learning_event"]
    load_demo(runtime, PARAMS, batch_size=20)
    assert 0 < partial < _counts(db)["learning_event"] == _expected(PARAMS)["statements"]


def test_loader_refuses_other_parameters_before_writing(runtime, db):
    load_demo(runtime, PARAMS)
    before = _counts(db)
    for other in (
        DemoParameters(seed=14, learners=60, today=TODAY),
        DemoParameters(seed=13, learners=61, today=TODAY),
        DemoParameters(seed=13, learners=60, today=date(2026, 11, 21)),
    ):
        with pytest.raises(DemoMismatch, match="--seed 13 --learners 60 --today 2026-11-20"):
            load_demo(runtime, other)
    assert _counts(db) == before
