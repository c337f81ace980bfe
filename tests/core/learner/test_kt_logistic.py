"""Logistic knowledge tracing: recovers the weights that generated its data, serves the same
features it was fitted on, and refuses data it cannot fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from learnwire.core.learner import bkt, kt_logistic
from learnwire.core.learner.practice_history import (
    FEATURES,
    SKILL_COLUMNS,
    SKILL_FEATURES,
    PracticeHistory,
)

BKT = {k: bkt.BKTParams(0.3 + 0.1 * k, 0.15, 0.2, 0.1, forget=0.05) for k in range(3)}
TRUE = {
    "intercept": 0.3,
    "first_attempt": -0.4,
    "log_right_skill": 0.5,
    "log_wrong_skill": -0.6,
    "recent_right_skill_fast": 0.3,
    "last_skill": 0.4,
    "log_right_all": 0.2,
    "log_wrong_all": -0.3,
    "bkt_logit": 0.5,
}
EASINESS = {0: -0.5, 1: 0.0, 2: 0.5}  # per-skill deviations of the intercept


def simulate(n_learners: int, n_answers: int, seed: int, item_easiness=None):
    """Answers drawn from the logistic model itself, replaying each learner's history."""
    rng = np.random.default_rng(seed)
    w = np.array([TRUE.get(f, 0.0) for f in FEATURES])
    students, skills, correct, items = [], [], [], []
    for u in range(n_learners):
        h = PracticeHistory()
        for _ in range(n_answers):
            s = int(rng.integers(0, 3))
            x = h.features(s, BKT[s], None)
            eta = float(w @ x) + EASINESS[s]
            item = None
            if item_easiness is not None:
                item = int(rng.integers(0, len(item_easiness)))
                eta += item_easiness[item]
            ok = int(rng.random() < 1 / (1 + math.exp(-eta)))
            h.observe(s, ok, BKT[s], None)
            students.append(u)
            skills.append(s)
            correct.append(ok)
            items.append(item)
    return students, skills, correct, items


def _newton(students, skills, correct, items=None):
    served = bkt.BKTModel(params=BKT, default=BKT[0], forget=True)
    x = kt_logistic.design(students, skills, correct, {s: served for s in set(students)})
    it = np.zeros(len(correct), np.int64) if items is None else np.asarray(items)
    no_item = -1 if items is not None else 0
    return x, kt_logistic.newton(
        x, np.asarray(skills), 3, np.asarray(correct, float), it, 50, 1e-9, no_item
    )


def test_kt_logistic_recovers_the_weights_that_generated_the_data():
    students, skills, correct, _ = simulate(2500, 30, seed=1)
    x, (w, v, _, iterations, _) = _newton(students, skills, correct)
    assert iterations < 50
    # Weights on features that vary on their own are recovered one by one; a few others
    # (first attempt, the fast recency) overlap with neighbours on this data, so for them
    # only the combined prediction is identified, and that is checked below.
    for name in ("log_right_skill", "log_wrong_skill", "last_skill", "log_right_all",
                 "log_wrong_all", "bkt_logit"):  # fmt: skip
        got = w[FEATURES.index(name)] + (
            v[:, SKILL_FEATURES.index(name)].mean() if name in SKILL_FEATURES else 0.0
        )
        assert got == pytest.approx(TRUE[name], abs=0.1), name
    true_w = np.array([TRUE.get(f, 0.0) for f in FEATURES])
    true_eta = x @ true_w + np.array([EASINESS[s] for s in skills])
    eta = x @ w + np.einsum("ij,ij->i", x[:, list(SKILL_COLUMNS)], v[np.asarray(skills)])
    assert np.sqrt(np.mean((eta - true_eta) ** 2)) < 0.1
    easiness = w[FEATURES.index("intercept")] + v[:, SKILL_FEATURES.index("intercept")]
    np.testing.assert_allclose(easiness - easiness.mean(), [-0.5, 0.0, 0.5], atol=0.1)
    # Features that did not generate the data get (near) zero weight.
    idle = [i for i, f in enumerate(FEATURES) if f not in TRUE and f not in SKILL_FEATURES]
    assert np.abs(w[idle]).max() < 0.15


def test_kt_logistic_recovers_item_easiness():
    true_items = np.random.default_rng(3).normal(0, 0.8, size=30)
    students, skills, correct, items = simulate(1500, 30, seed=4, item_easiness=true_items)
    _, (_, _, o, _, _) = _newton(students, skills, correct, items)
    assert np.corrcoef(o, true_items)[0, 1] > 0.9


def test_kt_logistic_serves_the_features_it_was_fitted_on():
    students, skills, correct, _ = simulate(200, 20, seed=5)
    x, (w, v, _, _, _) = _newton(students, skills, correct)
    model = kt_logistic.LogisticKT(
        weights=w,
        bkt=bkt.BKTModel(params=BKT, default=BKT[0], forget=True),
        skill_weights={k: tuple(v[k]) for k in range(3)},
    )
    eta = x @ w + np.einsum("ij,ij->i", x[:, list(SKILL_COLUMNS)], v[np.asarray(skills)])
    served = model.predict_events(students, skills, correct)
    np.testing.assert_allclose(served, 1 / (1 + np.exp(-eta)), rtol=1e-9)


def test_kt_logistic_fit_end_to_end_and_bad_input():
    students, skills, correct, _ = simulate(300, 20, seed=6)
    model = kt_logistic.fit(students, skills, correct)
    assert set(model.skill_weights) == {0, 1, 2} and model.n_events == len(correct)
    p = model.predict_events(students, skills, correct)
    assert ((p > 0) & (p < 1)).all()
    with pytest.raises(ValueError, match="both right and wrong"):
        kt_logistic.fit(["a", "a"], ["s", "s"], [1, 1])
    with pytest.raises(ValueError, match="same length"):
        kt_logistic.fit(["a"], ["s", "s"], [1, 0])
    with pytest.raises(ValueError, match="shared weights"):
        kt_logistic.LogisticKT(weights=np.zeros(3), bkt=model.bkt)


def test_kt_logistic_time_windows_fade_with_elapsed_days():
    h, p = PracticeHistory(), BKT[0]
    h.observe("s", True, p, at=0.0)
    h.observe("s", True, p, at=0.5)
    now = h.features("s", p, at=1.5)
    later = h.features("s", p, at=8.5)
    day = FEATURES.index("right_1d")
    assert now[day] == pytest.approx(math.exp(-1.5) + math.exp(-1.0))
    assert later[day] == pytest.approx(now[day] * math.exp(-7.0))
    assert now[FEATURES.index("log_days_since_skill")] == pytest.approx(math.log1p(1.0))
    assert h.features("s", p)[day] == 0.0  # no time given: no time features
