"""Storing, loading and refitting the logistic knowledge-tracing model (migration 0009)."""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from . import kt_logistic
from .bkt import BKTModel, BKTParams
from .practice_history import FEATURES, SKILL_FEATURES

Conn = psycopg.Connection[Any]
log = logging.getLogger(__name__)

#: Fewer answers than this (or answers all right, or all wrong) leave the model unfitted:
#: the service then predicts answers with BKT alone.
MIN_ANSWERS = 200


@dataclass
class LogisticReport:
    fitted: bool
    answers: int
    log_loss: float | None = None
    iterations: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def answers(conn: Conn, pass_score: float) -> list[tuple[Any, str, Any, bool, float]]:
    """(learner, skill, item, correct, day) per answer on a known skill, each learner's in
    time order (across skills: the model reads a learner's whole history). An answer is
    right by its success flag, or else by a scaled score of at least ``pass_score``."""
    return [
        (learner, skill, item, bool(ok), float(day))
        for learner, skill, item, ok, day in conn.execute(
            "SELECT e.learner_id, s.skill, e.content_id, "
            "coalesce(e.success, e.score_scaled >= %s) AS ok, "
            "extract(epoch FROM e.occurred_at) / 86400.0 FROM learning_event e, "
            "unnest(e.skill_ids) AS s(skill) WHERE e.data_category = 'assessment' AND NOT "
            "e.voided AND s.skill IN (SELECT id FROM skill) "
            "AND coalesce(e.success, e.score_scaled >= %s) IS NOT NULL "
            "ORDER BY e.learner_id, e.occurred_at, e.statement_id, s.skill",
            (pass_score, pass_score),
        )
    ]


def fit(
    conn: Conn, bkt: BKTModel, *, pass_score: float
) -> tuple[kt_logistic.LogisticKT | None, LogisticReport]:
    """Refit from every answer (reads only); BKT (``bkt``, as fitted for storing beside it)
    is the model the logistic one is served with. None when there is too little to fit."""
    started = time.perf_counter()
    rows = answers(conn, pass_score)
    correct = [r[3] for r in rows]
    if len(rows) < MIN_ANSWERS or all(correct) or not any(correct):
        return None, LogisticReport(fitted=False, answers=len(rows))
    model = kt_logistic.fit(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [int(c) for c in correct],
        items=[r[2] for r in rows],
        times=[r[4] for r in rows],
        bkt=bkt,
    )
    return model, LogisticReport(
        fitted=True,
        answers=len(rows),
        log_loss=round(model.log_loss, 5),
        iterations=model.iterations,
        seconds=round(time.perf_counter() - started, 3),
    )


def store(conn: Conn, model: kt_logistic.LogisticKT | None) -> None:
    """Replace the stored weights with ``model``'s; None removes them (the evidence no
    longer supports a fit, for instance after erasures), so BKT predicts again."""
    conn.execute("DELETE FROM kt_logistic_item")
    conn.execute("DELETE FROM kt_logistic_skill")
    if model is None:
        conn.execute("DELETE FROM kt_logistic_model")
        return
    conn.execute(
        "INSERT INTO kt_logistic_model (features, weights, skill_features, n_events, "
        "iterations, log_loss, fitted_at) VALUES (%s, %s, %s, %s, %s, %s, now()) "
        "ON CONFLICT (singleton) DO UPDATE SET features = excluded.features, weights = "
        "excluded.weights, skill_features = excluded.skill_features, n_events = "
        "excluded.n_events, iterations = excluded.iterations, log_loss = excluded.log_loss, "
        "fitted_at = now()",
        (
            list(FEATURES),
            [float(w) for w in model.weights],
            list(SKILL_FEATURES),
            model.n_events,
            model.iterations,
            model.log_loss,
        ),
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO kt_logistic_skill (skill_id, weights) VALUES (%s, %s)",
            [(skill, list(w)) for skill, w in model.skill_weights.items()],
        )
        items = list(model.item_offsets.items())
        cur.execute(
            "INSERT INTO kt_logistic_item (content_id, easiness) SELECT c, e FROM "
            "unnest(%s::uuid[], %s::float8[]) AS t(c, e) "
            "WHERE c IN (SELECT id FROM content_item)",
            ([i for i, _ in items], [e for _, e in items]),
        )


def load(
    conn: Conn, bkt_params: dict[str, BKTParams], default: BKTParams
) -> kt_logistic.LogisticKT | None:
    """The stored model served with these BKT parameters, or None when none is fitted (or
    it was fitted on another feature set than this release computes)."""
    row = conn.execute(
        "SELECT features, weights, skill_features, n_events, iterations, log_loss "
        "FROM kt_logistic_model"
    ).fetchone()
    if row is None:
        return None
    features, weights, skill_features, n_events, iterations, loss = row
    served: dict[Hashable, BKTParams] = {k: v for k, v in bkt_params.items()}
    if tuple(features) != FEATURES or tuple(skill_features) != SKILL_FEATURES:
        log.warning("stored logistic KT weights are for another feature set; refit to use it")
        return None
    return kt_logistic.LogisticKT(
        weights=np.asarray(weights, np.float64),
        bkt=BKTModel(params=served, default=default, forget=True),
        skill_weights={
            s: tuple(w) for s, w in conn.execute("SELECT skill_id, weights FROM kt_logistic_skill")
        },
        item_offsets=dict(
            conn.execute("SELECT content_id, easiness FROM kt_logistic_item").fetchall()
        ),
        n_events=n_events,
        iterations=iterations,
        log_loss=loss,
    )
