"""Survey answers are feedback the ranker reads at once: "not relevant to my work now" on an
item pushes the items on its skills down; "I used it" lifts them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learnwire.core.ranker.service import RecommendationService
from learnwire.core.surveys import record

from .conftest import complete, content_id

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
LIMIT = 15


def _scores(runtime, learner):
    with runtime.db.connection() as conn:
        ranking, _ = RecommendationService(runtime).rank(conn, learner, at=AT, limit=LIMIT)
        skills = dict(
            conn.execute(
                "SELECT content_id, skill_id FROM content_skill WHERE content_id = ANY(%s)",
                ([r.content_id for r in ranking.recommendations],),
            ).fetchall()
        )
    return {r.content_id: (r.rank, r.score, skills[r.content_id]) for r in ranking.recommendations}


def _answer(runtime, learner, item, kind, answer, minutes):
    with runtime.db.connection() as conn:
        record_of = record.answer_relevance if kind == "relevance" else record.answer_application
        done = record_of(
            conn, runtime.intake(), learner_id=learner, content_id=item, answer=answer,
            via="test", at=AT - timedelta(minutes=minutes),
        )  # fmt: skip
    assert done.stored


def test_ranking_not_relevant_pushes_the_skill_down_and_used_lifts_it(make_runtime, org):
    runtime = make_runtime()
    ana = org["ana"]
    # Ana finished item 1 (coaching) yesterday; nothing said about it yet.
    complete(runtime, ana, 1, AT - timedelta(days=1))
    before = _scores(runtime, ana)
    coaching = {c for c, (_, _, skill) in before.items() if skill == "management.coaching"}
    assert coaching, "coaching items are among Ana's recommendations"

    _answer(runtime, ana, content_id(runtime, 1), "relevance", "not_relevant", 30)
    after = _scores(runtime, ana)
    for item in coaching & set(after):
        assert after[item][1] < before[item][1], "every coaching item scores lower"
    best_before = min(before[c][0] for c in coaching)
    best_after = min((after[c][0] for c in coaching & set(after)), default=LIMIT + 1)
    assert best_after > best_before, "the best coaching item moved down the list"
    others = set(before) - coaching
    assert all(after[c][1] == before[c][1] for c in others & set(after)), "only coaching moved"

    # Ben completed the same item 9 days ago and used it: coaching goes up for him.
    ben = org["ben"]
    complete(runtime, ben, 1, AT - timedelta(days=9))
    ben_before = _scores(runtime, ben)
    _answer(runtime, ben, content_id(runtime, 1), "application", "used", 10)
    ben_after = _scores(runtime, ben)
    lifted = [
        c for c, (_, _, skill) in ben_before.items()
        if skill == "management.coaching" and c in ben_after
    ]  # fmt: skip
    assert lifted and all(ben_after[c][1] > ben_before[c][1] for c in lifted)
