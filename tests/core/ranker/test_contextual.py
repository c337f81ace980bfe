"""Contextual reranking with Claude, against a local server speaking the Messages API.

The organisation is small and real (intake -> store -> governed view): Cara has rich context
(a presentation tomorrow, a stated goal, a performance goal, an e-mail identifier and a goal
note in free text); Dan has a role but no week ahead. The fake API checks every request it
receives, including that nothing the policy keeps in (names, e-mail addresses, free text,
performance data) left.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

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
)
from learnwire.core.ranker.audit import signal_report
from learnwire.core.ranker.contextual import SIGNAL
from learnwire.core.ranker.service import RecommendationService
from learnwire.core.runtime import Runtime
from learnwire.core.sources import ContentBatch, SourceBatch
from learnwire.core.web.app import create_app
from learnwire.core.web.recommendations import SESSION_LEARNER
from learnwire.policies.validation import DEFAULTS_DIR

from ...conftest import fixture_module

fake = fixture_module("fake_anthropic")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SKILLS = [
    ("management.feedback", "feedback delivery"),
    ("management.coaching", "coaching"),
    ("communication.presenting", "presenting"),
    ("communication.storytelling", "storytelling"),
    ("data.sql", "SQL"),
]
CARA_EMAIL = "cara.lopez@corp.example"
GOAL_NOTE = "Cara wants to nail the board deck before her promotion talk"


def _item(n: int, skill: str) -> ContentItem:
    summary = f"Practical steps for {skill.split('.')[1]}."
    if n % 3 == 0:
        summary += " Questions to trainer@corp.example."
    return ContentItem(
        provider="demo",
        external_id=f"i{n}",
        title=f"{skill} {n}",
        summary=summary,
        format=("video", "article", "exercise", "simulation")[n % 4],
        duration_minutes=5 + n % 10,
        difficulty=0.2 + (n % 4) / 10,
        launch_url=f"https://lms.example/mod/page/view.php?id={n}",
        activity_id=f"https://lms.example/activity/{n}",
        skills=[{"skill_id": skill}],
    )


def _fact(ref, kind, value, category="hr_profile", key=""):
    return HrFact(
        subject=ref,
        source="demo",
        data_category=category,
        occurred_at=NOW - timedelta(days=30),
        fact_type=kind,
        key=key,
        value=value,
    )


@pytest.fixture
def org(runtime, db):
    intake = runtime.intake()
    people = {}
    with db.connection() as conn:
        intake.store(
            conn,
            SourceBatch(
                skills=[Skill(id=s, name=n, domain=s.split(".")[0]) for s, n in SKILLS],
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
        items = [_item(n, s[0]) for n, s in enumerate(SKILLS * 5)]
        intake.store_content(conn, ContentBatch(items=items), provider="demo")
        for name in ("cara", "dan"):
            ref = IdentityRef(kind="email", namespace="mailto", value=f"{name}@corp.example")
            facts = [
                _fact(ref, HrFactType.JOB_PROFILE, "team_lead"),
                _fact(ref, HrFactType.MANAGEMENT_LEVEL, "M1"),
            ]
            if name == "cara":
                ref = IdentityRef(kind="email", namespace="mailto", value=CARA_EMAIL)
                facts = [
                    _fact(ref, HrFactType.JOB_PROFILE, "team_lead"),
                    _fact(ref, HrFactType.MANAGEMENT_LEVEL, "M1"),
                    _fact(
                        ref,
                        HrFactType.STATED_GOAL,
                        {"skill_id": "communication.storytelling", "note": GOAL_NOTE},
                        "career",
                        "storytelling",
                    ),
                    _fact(
                        ref,
                        HrFactType.PERFORMANCE_GOAL,
                        {"skill_id": "data.sql", "target_level": 0.9},
                        "performance",
                        "q4-sql",
                    ),
                ]
            intake.store(
                conn,
                SourceBatch(
                    people=[PersonRecord(source="demo", identifiers=[ref], locale="en-GB")],
                    facts=facts,
                ),
                source="demo",
            )
            people[name] = intake.resolver.resolve_subjects(conn, [ref], source="demo")[0]
        intake.store(
            conn,
            SourceBatch(
                events=[
                    LearningEvent(
                        statement_id=uuid.uuid4(),
                        learner_id=people["cara"],
                        source="demo",
                        data_category=DataCategory.ASSESSMENT,
                        occurred_at=NOW - timedelta(days=10 - k),
                        verb="http://adlnet.gov/expapi/verbs/passed",
                        object_id="https://lms.example/q",
                        skill_ids=["management.feedback"],
                        result={"success": True, "score_scaled": 0.9},
                    )
                    for k in range(4)
                ],
                calendar=[
                    CalendarSignal(
                        learner_id=people["cara"],
                        source="demo",
                        occurred_at=NOW,
                        situation="presentation",
                        starts_at=NOW + timedelta(days=1),
                        duration_minutes=45,
                        event_key="cara-pres-0001",
                    )
                ],
            ),
            source="demo",
        )
        fit_and_store(conn, assessment_responses(conn))
    return people


@pytest.fixture
def claude():
    with fake.serve(fake.Behaviour(forbidden=["cara", "Cara", "board deck", "q4-sql"])) as api:
        yield api


def _service(runtime: Runtime, api=None, **overrides) -> RecommendationService:
    values = {}
    if api is not None:
        values = {"anthropic_api_key": SecretStr(fake.API_KEY), "anthropic_base_url": api.url}
    values.update(overrides)
    settings = runtime.settings.model_copy(update=values)
    return RecommendationService(Runtime(settings, pm=runtime.pm, db=runtime.db))


def _use(ranking):
    return next(u for u in ranking.signals if u.name == SIGNAL)


def _usage(db):
    with db.connection() as conn:
        return conn.execute(
            "SELECT input_tokens, output_tokens, reserved, calls, failed_calls "
            "FROM contextual_token_usage"
        ).fetchall()


def test_contextual_reorders_only_proposed_items_and_frames_them(runtime, db, org, claude):
    deterministic = _service(runtime).recommend(org["cara"], at=NOW, store=False)
    svc = _service(runtime, claude)
    ranking = svc.recommend(org["cara"], at=NOW)

    assert claude.problems == []
    assert len(claude.requests) == 1
    sent = claude.payloads[0]
    assert sent["learner"]["role"] == "Team Lead"
    assert sent["learner"]["stated_goals"] == ["storytelling"]
    assert "SQL" not in {s["skill"] for s in sent["learner"]["skills"]}
    assert sent["context"]["situations"] == [{"kind": "presentation", "in_days": 1, "minutes": 45}]
    assert len(sent["candidates"]) == 10
    assert any("[redacted]" in c.get("summary", "") for c in sent["candidates"])

    use = _use(ranking)
    assert use.status == "used" and "claude-sonnet-5-5" in use.reason
    offered = [c["id"] for c in sent["candidates"]]
    claude_order = offered[::-1]
    got = [str(r.content_id) for r in ranking.recommendations]
    assert set(got) <= set(offered)
    # Claude's order decides within each kind; the ranker's stretch share is kept.
    core = [r for r in ranking.recommendations if not r.stretch]
    assert [str(r.content_id) for r in core] == [
        i for i in claude_order if i in {str(r.content_id) for r in core}
    ]
    assert str(core[0].content_id) == next(
        i for i in claude_order if i in {str(r.content_id) for r in core}
    )
    assert sum(r.stretch for r in ranking.recommendations) == sum(
        r.stretch for r in deterministic.recommendations
    )
    # Each item takes the score of its place; the contributions still add up to it.
    assert [r.score for r in ranking.recommendations] == [
        r.score for r in deterministic.recommendations
    ]
    for rec in ranking.recommendations:
        rerank = [c for c in rec.contributions if c.signal == SIGNAL]
        assert len(rerank) == 1 and "claude-sonnet-5-5" in rerank[0].detail
        assert sum(c.contribution for c in rec.contributions) == pytest.approx(rec.score, abs=2e-3)
        if not rec.stretch:
            assert rec.explanation.startswith("Because your presentation is in 1 day(s)")

    assert _usage(db) == [(900, 300, 0, 1, 0)]
    with db.connection() as conn:
        stored = conn.execute(
            "SELECT contributions FROM recommendation WHERE learner_id = %s", (org["cara"],)
        ).fetchall()
        egress = conn.execute(
            "SELECT outcome, detail FROM policy_audit WHERE action = 'send:external_processor'"
        ).fetchall()
    assert stored and all(any(c["signal"] == SIGNAL for c in row[0]) for row in stored)
    assert [e[0] for e in egress] == ["allowed"]
    assert egress[0][1]["processor"] == "anthropic"
    assert "learner.performance" in egress[0][1]["dropped"]
    assert "candidates.summary" in egress[0][1]["redacted"]


def test_contextual_same_context_is_answered_from_the_cache(runtime, db, org, claude):
    svc = _service(runtime, claude)
    first = svc.recommend(org["cara"], at=NOW, store=False)
    again = _service(runtime, claude).recommend(org["cara"], at=NOW, store=False)
    assert len(claude.requests) == 1
    assert _use(again).status == "used" and "cached" in _use(again).reason
    assert [r.content_id for r in again.recommendations] == [
        r.content_id for r in first.recommendations
    ]
    assert _usage(db) == [(900, 300, 0, 1, 0)]
    with db.connection() as conn:
        egress = conn.execute(
            "SELECT count(*) FROM policy_audit WHERE action = 'send:external_processor'"
        ).fetchone()[0]
    assert egress == 1  # the cached answer sent nothing, so nothing more is on record


def test_contextual_cached_answer_is_the_learners_data_erased_with_them(runtime, db, org, claude):
    from learnwire.core.ranker.contextual_store import AnswerCache
    from learnwire.policies import erasure
    from learnwire.policies.access import Subject

    _service(runtime, claude).recommend(org["cara"], at=NOW, store=False)
    cache = AnswerCache(db)
    with db.connection() as conn:
        (key, learners) = conn.execute(
            "SELECT payload_sha256, learner_ids FROM contextual_rerank_cache"
        ).fetchone()
    assert learners == [org["cara"]]
    # The same context served to someone else links them too, once however often.
    other = uuid.uuid4()
    assert cache.get(key, other) is not None and cache.get(key, other) is not None
    assert cache.get("no such key", other) is None
    with db.connection() as conn:
        learners = conn.execute("SELECT learner_ids FROM contextual_rerank_cache").fetchone()[0]
        assert learners == [org["cara"], other]

        from learnwire.policies.engine import engine_for

        engine = engine_for(runtime)
        officer = Subject.compliance("test-officer")
        exported = erasure.export(conn, engine, org["cara"], by=officer)
        assert [r["payload_sha256"] for r in exported["tables"]["contextual_rerank_cache"]] == [key]
        report = erasure.erase(conn, engine, org["cara"], by=officer)
        assert report.deleted["contextual_rerank_cache"] == 1
        assert report.verified, report.remaining
        left = conn.execute("SELECT count(*) FROM contextual_rerank_cache").fetchone()[0]
    assert left == 0


def test_contextual_stops_calling_once_the_daily_budget_is_spent(runtime, db, org, claude):
    claude.behaviour.input_tokens, claude.behaviour.output_tokens = 2500, 600
    svc = _service(runtime, claude, anthropic_daily_token_budget=5500)
    assert _use(svc.recommend(org["cara"], at=NOW, store=False)).status == "used"
    # A day earlier the presentation is two days away: another context, not in the cache.
    earlier = NOW - timedelta(days=1)
    deterministic = _service(runtime).recommend(org["cara"], at=earlier, store=False)
    ranking = svc.recommend(org["cara"], at=earlier, store=False)
    use = _use(ranking)
    assert use.status == "skipped" and "budget is spent (3100 of 5500" in use.reason
    assert len(claude.requests) == 1
    assert ranking.recommendations == deterministic.recommendations
    assert _usage(db) == [(2500, 600, 0, 1, 0)]


def test_contextual_skips_without_key_or_rich_context(runtime, db, org, claude):
    no_key = _service(runtime).recommend(org["cara"], at=NOW, store=False)
    assert _use(no_key).status == "skipped"
    assert "LEARNWIRE_ANTHROPIC_API_KEY" in _use(no_key).reason
    assert all(SIGNAL not in {c.signal for c in r.contributions} for r in no_key.recommendations)

    svc = _service(runtime, claude)
    dan = svc.recommend(org["dan"], at=NOW, store=False)
    assert _use(dan).status == "skipped" and "not rich enough" in _use(dan).reason
    assert claude.requests == []

    report, _ = signal_report(_service(runtime), org["cara"], at=NOW)
    entry = next(s for s in report.signals if s.signal == SIGNAL)
    assert not entry.used and "API key" in entry.detail


def test_contextual_use_is_visible_in_the_api_and_the_signal_audit(runtime, db, org, claude):
    svc = _service(runtime, claude)
    report, _ = signal_report(svc, org["cara"], at=NOW)
    entry = next(s for s in report.signals if s.signal == SIGNAL)
    assert entry.used and "claude-sonnet-5-5" in entry.detail

    app = create_app(Runtime(svc.runtime.settings, pm=runtime.pm, db=db))
    client = app.test_client()
    with client.session_transaction() as s:
        s[SESSION_LEARNER] = str(org["cara"])
    body = client.get(
        f"/api/v1/learners/{org['cara']}/recommendations?at=2026-11-20T09:00:00Z"
    ).get_json()
    assert body["contextual"]["used"] is True
    assert any(c["signal"] == SIGNAL for c in body["recommendations"][0]["contributions"])
    assert claude.problems == []


def _answer_inventing_an_item(payload):
    answer = json.loads(fake.reverse_order(payload)[0])
    answer["ranking"][0]["id"] = str(uuid.uuid4())
    return json.dumps(answer), "end_turn"


def _answer_leaving_one_out(payload):
    answer = json.loads(fake.reverse_order(payload)[0])
    answer["ranking"].pop()
    return json.dumps(answer), "end_turn"


def _answer_with_an_extra_field(payload):
    answer = json.loads(fake.reverse_order(payload)[0])
    answer["ranking"][0]["confidence"] = 0.9
    return json.dumps(answer), "end_turn"


@pytest.mark.parametrize(
    ("failure", "reason", "tokens_counted"),
    [
        ({"errors": [529]}, "HTTP 529: overloaded_error", False),
        ({"errors": [429]}, "HTTP 429: rate_limit_error", False),
        ({"errors": [500]}, "HTTP 500: api_error", False),
        ({"stall": True}, "did not answer within 0.5 s", False),
        ({"answer": lambda p: ("Here you go!", "end_turn")}, "not the JSON asked for", True),
        (
            {"answer": lambda p: ("```json\n" + fake.reverse_order(p)[0] + "\n```", "end_turn")},
            "not the JSON asked for",
            True,
        ),
        ({"answer": lambda p: (fake.reverse_order(p)[0], "max_tokens")}, "max_tokens", True),
        ({"answer": _answer_inventing_an_item}, "not offered", True),
        ({"answer": _answer_leaving_one_out}, "left out or repeated", True),
        ({"answer": _answer_with_an_extra_field}, "Extra inputs are not permitted", True),
    ],
    ids=[
        "overloaded",
        "rate-limited",
        "server-error",
        "timeout",
        "prose",
        "fenced",
        "truncated",
        "invented-item",
        "left-out-item",
        "extra-field",
    ],
)
def test_contextual_failures_keep_the_deterministic_ranking(
    runtime, db, org, claude, failure, reason, tokens_counted
):
    for key, value in failure.items():
        setattr(claude.behaviour, key, value)
    deterministic = _service(runtime).recommend(org["cara"], at=NOW, store=False)
    svc = _service(runtime, claude, anthropic_timeout_seconds=0.5)
    ranking = svc.recommend(org["cara"], at=NOW, store=False)
    assert claude.problems == []
    assert len(claude.requests) == 1  # no retries: the learner gets the ranker's list now
    use = _use(ranking)
    assert use.status == "skipped" and reason in use.reason
    assert ranking.recommendations == deterministic.recommendations
    with db.connection() as conn:
        cached = conn.execute("SELECT count(*) FROM contextual_rerank_cache").fetchone()[0]
    assert cached == 0
    expected = (900, 300, 0, 1, 0) if tokens_counted else (0, 0, 0, 0, 1)
    assert _usage(db) == [expected]


def _policy_dir(tmp_path: Path, processors: str) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(DEFAULTS_DIR, target)
    (target / "processors.yaml").write_text(processors)
    return target


def test_contextual_respects_the_policy_at_egress(runtime, db, org, claude, tmp_path):
    closed = _policy_dir(tmp_path / "closed", "learnwire_policy: 1\nprocessors: {}\n")
    svc = _service(runtime, claude, policy_dir=closed)
    use = _use(svc.recommend(org["cara"], at=NOW, store=False))
    assert use.status == "skipped" and "policy does not let data go to 'anthropic'" in use.reason

    no_ids = _policy_dir(
        tmp_path / "no_ids",
        "learnwire_policy: 1\nprocessors:\n  anthropic:\n    description: titles only\n"
        "    purpose: external_processing\n    allow_fields: [candidates, candidates.title]\n"
        "    never_send: []\n",
    )
    svc = _service(runtime, claude, policy_dir=no_ids)
    use = _use(svc.recommend(org["cara"], at=NOW, store=False))
    assert use.status == "skipped" and "candidate ids" in use.reason

    assert claude.requests == []
    with db.connection() as conn:
        outcomes = [
            r[0]
            for r in conn.execute(
                "SELECT outcome FROM policy_audit WHERE action = 'send:external_processor' "
                "ORDER BY id"
            )
        ]
    # The refusal is on record; without ids nothing was worth sending, so nothing left.
    assert outcomes == ["denied"]


def test_contextual_audits_egress_in_the_callers_transaction_when_it_holds_the_chain(
    runtime, db, org, claude
):
    from learnwire.policies.access import Subject

    svc = _service(runtime, claude)
    with db.connection() as conn:
        # A compliance officer's read is audited first, so this transaction holds the
        # audit chain; the egress record must join it rather than wait for it.
        ranking, _ = svc.rank(conn, org["cara"], at=NOW, viewer=Subject.compliance("dpo"))
        assert _use(ranking).status == "used"
    with db.connection() as conn:
        actions = [
            r[0] for r in conn.execute("SELECT action FROM policy_audit ORDER BY id").fetchall()
        ]
    assert actions == ["read:learner_data", "send:external_processor"]
    assert claude.problems == []
