"""The "review due" ranking signal: FSRS memory per skill turned into retrieval practice."""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np
import pytest

from learnwire.core.learner import memory
from learnwire.core.ranker.context import RankContext
from learnwire.core.ranker.items import FORMATS
from learnwire.core.ranker.review import RETRIEVAL_FORMATS, ReviewDue, due

from .conftest import NOW, SKILLS

SQL, STATS = 3, 4
DAY = 86400.0


def _state(make_state, items, reviews: dict[int, tuple[float, float]], **kw):
    """``reviews``: skill -> (stability in days, days since the last review began)."""
    st = make_state(items, **kw)
    today = NOW.timestamp() / DAY
    for s, (stability, ago) in reviews.items():
        st.memory_stability[s] = stability
        st.memory_review_at[s] = today - ago
    return st


def test_review_due_follows_the_forgetting_curve(catalogue, make_state):
    items, _ = catalogue
    stability = 10.0
    st = _state(make_state, items, {SQL: (stability, 0.0)})
    # Not due while recall is above 90%, due from the day it falls to 90%, fully due by 60%.
    first_due = memory.interval(stability, 0.9)
    fully = memory.interval(stability, 0.6)
    assert due(st, NOW + timedelta(days=first_due - 0.5))[SQL] == 0.0
    assert 0.0 < due(st, NOW + timedelta(days=first_due + 0.5))[SQL] < 1.0
    assert due(st, NOW + timedelta(days=fully + 1))[SQL] == 1.0
    # Rising in between, and nothing for skills never practised.
    days = np.linspace(first_due, fully, 6)
    values = [due(st, NOW + timedelta(days=float(d)))[SQL] for d in days]
    assert all(b > a for a, b in itertools.pairwise(values))
    assert not due(st, NOW + timedelta(days=400))[[s for s in range(len(SKILLS)) if s != SQL]].any()


def test_review_due_scores_items_of_due_skills_and_says_when(catalogue, make_state):
    items, shared = catalogue
    target = np.zeros(len(SKILLS), np.float32)
    target[SQL] = 0.8
    # SQL practised five weeks ago with a week's stability: due. Statistics two days ago.
    st = _state(make_state, items, {SQL: (7.0, 35.0), STATS: (7.0, 2.0)}, target=target)
    ctx = RankContext(st, items, NOW, shared)
    signal = ReviewDue()
    scores = signal.score(view=ctx, candidates=list(range(len(items.ids))))
    sql_items = np.flatnonzero(items.item_skill[:, SQL])
    stats_items = np.flatnonzero(items.item_skill[:, STATS])
    assert (scores[sql_items] > 0).all() and not scores[stats_items].any()
    # Retrieval practice (questions) counts more than re-reading.
    codes = [FORMATS.index(f) for f in RETRIEVAL_FORMATS]
    retrieval = np.isin(items.format_code[sql_items], codes)
    assert retrieval.any() and (~retrieval).any()  # the seeded catalogue has both
    assert scores[sql_items][retrieval].min() > scores[sql_items][~retrieval].max()
    phrase = signal.describe(view=ctx, item=int(sql_items[0]))
    assert phrase.startswith("you last practised SQL 5 weeks ago")
    assert signal.describe(view=ctx, item=int(stats_items[0])) == ""


def test_review_due_favours_needed_skills(catalogue, make_state):
    items, shared = catalogue
    goals = np.zeros(len(SKILLS), np.float32)
    goals[SQL] = 0.5
    st = _state(make_state, items, {SQL: (5.0, 60.0), STATS: (5.0, 60.0)}, goals=goals)
    scores = ReviewDue().score(view=RankContext(st, items, NOW, shared), candidates=[0])
    assert scores.shape == (1,)
    need = due(st, NOW)
    assert need[SQL] == need[STATS] == pytest.approx(1.0)
    ctx = RankContext(st, items, NOW, shared)
    all_scores = ReviewDue().score(view=ctx, candidates=list(range(len(items.ids))))
    best_sql = all_scores[np.flatnonzero(items.item_skill[:, SQL])].max()
    best_stats = all_scores[np.flatnonzero(items.item_skill[:, STATS])].max()
    assert best_sql > best_stats > 0


def test_review_due_is_a_registered_builtin_signal(catalogue, make_state, make_ranker):
    items, shared = catalogue
    ranker = make_ranker(items, shared)
    assert "review_due" in {s.name for s in ranker.signals}
