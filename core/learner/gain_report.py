"""Fitting the practice curve from the store's evidence, with the report of what was fitted
and how well it predicts answers of people the fit did not see (``learnwire model report``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import psycopg

from ..ranker.items import load_items
from ..ranker.service import PURPOSE
from . import gain_fit, gain_store
from .gain_evidence import EvidenceBuilder, add_view, practice_counts
from .gain_fit import Evidence
from .gain_params import DEFAULT_GAIN, PRIOR_SD, GainParams
from .org import load_org

Conn = psycopg.Connection[Any]
#: Learners whose governed views are read at once.
CHUNK = 500
#: Every HOLD_OUT-th person (in a fixed order) is held out to score the fit.
HOLD_OUT = 5


def held_out(n_learners: int) -> np.ndarray:
    """True for the people whose answers score the fit (never fitted on in the report)."""
    return np.arange(n_learners) % HOLD_OUT == HOLD_OUT - 1


def fit_with_report(ev: Evidence, prior: GainParams = DEFAULT_GAIN) -> tuple[GainParams, dict]:
    """Score a fit on four fifths of the people against the prior-only model on the rest,
    then fit on everyone: the parameters to serve, and the report. A fit that predicts the
    held-out people's answers worse than the priors alone (log-loss) is reported but not
    served: the priors stay until the evidence beats them."""
    started = time.perf_counter()
    test = held_out(ev.n_learners)
    scored = gain_fit.fit(ev, prior, learners=~test)
    held = gain_fit.subset(ev, test)
    y = held.a_correct
    scores: dict[str, Any] = {"answers": len(y), "learners": int(test.sum())}
    if len(y) and scored.params.fitted:
        for name, params in (("prior", prior), ("fitted", scored.params)):
            p = gain_fit.predict(held, params)
            scores[name] = {
                "log_loss": round(gain_fit.log_loss(p, y), 5),
                "auc": round(gain_fit.auc(p, y), 4),
            }
    final = gain_fit.fit(ev, prior)
    worse = "fitted" in scores and scores["fitted"]["log_loss"] > scores["prior"]["log_loss"]
    served = prior if worse else final.params
    report = {
        "fitted": served.fitted,
        "rejected": final.params.as_dict() if worse else None,
        "answers": final.answers,
        "answers_after_practice": gain_fit.answers_after_practice(ev),
        "practice": len(ev.p_day),
        "practice_by_format": practice_counts(ev),
        "learners": ev.n_learners,
        "iterations": final.iterations,
        "held_out": scores,
        "params": served.as_dict(),
        "prior": prior.as_dict(),
        "prior_sd": dict(PRIOR_SD),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return served, report


def evidence_from_store(conn: Conn, governance: Any) -> Evidence:
    """Every assessed person's answers and practice from their governed view for the
    recommendation purpose, replayed with the parameters currently served."""
    governance.refresh(conn)
    items = load_items(conn)
    org = load_org(conn, items.skills.ids, k=governance.min_group_size)
    learners = [
        lid
        for (lid,) in conn.execute(
            "SELECT DISTINCT learner_id FROM learning_event "
            "WHERE data_category = 'assessment' AND NOT voided ORDER BY learner_id"
        )
    ]
    builder = EvidenceBuilder(items, items.skills.ids)
    for start in range(0, len(learners), CHUNK):
        views = governance.governed_views(conn, learners[start : start + CHUNK], PURPOSE)
        for view in views.values():
            add_view(builder, view, items, org)
    return builder.evidence()


def fit_and_store(conn: Conn, governance: Any) -> dict[str, Any]:
    """Fit from the store's evidence and store the parameters with their report."""
    params, report = fit_with_report(evidence_from_store(conn, governance))
    gain_store.store(conn, params, report)
    return report
