"""Fitting the practice curve from the store's evidence, with the report of what was fitted
and how well it predicts answers of people the fit did not see (``learnwire model report``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import psycopg

from ..ranker.items import load_items
from ..ranker.service import PURPOSE
from . import gain_fit, gain_sml, gain_store
from .gain_evidence import EvidenceBuilder, add_view, practice_counts
from .gain_fit import Evidence
from .gain_params import DEFAULT_GAIN, PRIOR_SD, GainParams
from .org import load_org

Conn = psycopg.Connection[Any]
#: Learners whose governed views are read at once.
CHUNK = 500
#: Every HOLD_OUT-th person (in a fixed order) is held out to score the fit.
HOLD_OUT = 5
#: Standard errors (of the mean per-person difference in log-loss) by which the fit must
#: predict held-out people worse than the priors before the priors are served instead:
#: one-sided at 2.5%, the usual two-sided 5% threshold.
WORSE_BY = 1.96


def held_out(n_learners: int) -> np.ndarray:
    """True for the people whose answers score the fit (never fitted on in the report)."""
    return np.arange(n_learners) % HOLD_OUT == HOLD_OUT - 1


def fit_with_report(ev: Evidence, prior: GainParams = DEFAULT_GAIN) -> tuple[GainParams, dict]:
    """Score a fit on four fifths of the people against the priors on the rest, then fit
    on everyone (:mod:`~learnwire.core.learner.gain_sml`): the parameters to serve, and the
    report. A fit that predicts the held-out people's answers clearly worse than the priors
    (log-loss one answer ahead, with the fitted answer model under both curves; worse by more
    than :data:`WORSE_BY` standard errors over people) is reported but not served. Within
    that margin the fit stands: it already carries the priors, and one answer ahead the
    curve moves predictions little (answers mostly say which side of the switch someone is).
    """
    started = time.perf_counter()
    test = held_out(ev.n_learners)
    scored = gain_sml.fit(ev, prior, learners=~test)
    held = gain_fit.subset(ev, test)
    scores: dict[str, Any] = {"answers": len(held.a_day), "learners": int(test.sum())}
    losses: dict[str, np.ndarray] = {}
    if len(held.a_day) and scored.params.fitted:
        for name, params in (("prior", prior), ("fitted", scored.params)):
            p, y, who = gain_sml.predict(held, scored, params)
            if len(y):
                losses[name] = _per_person_loss(p, y, who)
                scores[name] = {
                    "log_loss": round(gain_fit.log_loss(p, y), 5),
                    "auc": round(gain_fit.auc(p, y), 4),
                }
    final = gain_sml.fit(ev, prior, start=scored)
    worse = _clearly_worse(losses)
    if "fitted" in scores:
        scores["fitted_clearly_worse"] = worse
    served = prior if worse else final.params
    answer = final.answers_model
    report = {
        "fitted": served.fitted,
        "rejected": final.params.as_dict() if worse else None,
        "answers": final.answers,
        "answers_after_practice": gain_fit.answers_after_practice(ev),
        "practice": len(ev.p_day),
        "practice_by_format": practice_counts(ev),
        "learners": ev.n_learners,
        "sequences": final.sequences,
        "iterations": final.iterations,
        "held_out": scores,
        "params": served.as_dict(),
        "prior": prior.as_dict(),
        "prior_sd": dict(PRIOR_SD),
        "answer_model": None
        if answer is None
        else {
            "scale": round(answer.scale, 4),
            "difficulty_slope": round(answer.difficulty_slope, 4),
            "start_bias": round(answer.start_bias, 4),
            "start_sd": round(answer.start_sd, 4),
        },
        "seconds": round(time.perf_counter() - started, 3),
    }
    return served, report


def _per_person_loss(p: np.ndarray, y: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Each held-out person's summed log-loss (people in order of their index)."""
    p = np.clip(p, 1e-9, 1 - 1e-9)
    loss = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return np.bincount(who, weights=loss)[np.unique(who)]


def _clearly_worse(losses: dict[str, np.ndarray]) -> bool:
    """Whether the fit's held-out log-loss exceeds the priors' by more than WORSE_BY
    standard errors, people as the unit (one person's answers are not independent)."""
    if "fitted" not in losses or "prior" not in losses:
        return False
    diff = losses["fitted"] - losses["prior"]
    if len(diff) < 2:
        return bool(diff.sum() > 0)
    return bool(diff.mean() > WORSE_BY * diff.std(ddof=1) / np.sqrt(len(diff)))


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
