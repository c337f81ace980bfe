"""What ``/learning-admin`` shows L&D staff: organisation-wide figures only, each resting on
at least k people (fewer: withheld), asked of the policy engine as a ``learning_aggregate``
for ``learning_analytics``.

- the catalogue's coverage of the skills roles need;
- content performance (recommended, started, finished, rated, dismissed);
- the Same-Role Divergence test and signal use per day, from the rankings stored then;
- model health: the knowledge-tracing model's AUC and calibration on the answers that came
  in after it was fitted (one-step-ahead, so none of them shaped the parameters).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from pydantic import BaseModel, ConfigDict

from learnwire.core.learner import bkt
from learnwire.core.learner.feedback import VERB_BASE
from learnwire.core.learner.mastery import is_correct, load_params
from learnwire.core.store import one
from learnwire.policies.access import Resource, Subject
from learnwire.policies.engine import PolicyEngine

Conn = psycopg.Connection[Any]
PURPOSE = "learning_analytics"
DAYS = 30


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Coverage(_Out):
    skill_id: str
    name: str
    roles_needing: int
    people_needing: int | None
    live_items: int
    formats: list[str]
    status: str


class ItemPerformance(_Out):
    content_id: str
    title: str
    recommended_to: int
    started_by: int | None
    finished_by: int | None
    useful: int | None
    not_useful: int | None
    dismissed: int | None


class DayFigure(_Out):
    day: str
    pairs: int
    identical_share: float | None
    signal_share: dict[str, float]


class ModelHealth(_Out):
    fitted_at: str | None
    held_out_answers: int
    auc: float | None
    calibration: list[dict[str, float]]
    calibrated_skills: int


NO_MODEL = ModelHealth(
    fitted_at=None, held_out_answers=0, auc=None, calibration=[], calibrated_skills=0
)


class LdView(_Out):
    k: int
    learners: int
    catalogue: dict[str, int]
    coverage: list[Coverage]
    performance: list[ItemPerformance]
    withheld_items: int
    days: list[DayFigure]
    opt_outs: dict[str, int | None]
    model: ModelHealth


def ld_view(conn: Conn, engine: PolicyEngine, viewer: Subject) -> LdView:
    engine.refresh(conn)
    learners = one(conn.execute("SELECT count(*) FROM learner"))[0]
    engine.authorize(
        conn, viewer, "read", Resource("learning_aggregate", group_size=learners), PURPOSE
    )
    policy = engine.policy
    k = policy.k
    performance, withheld = _performance(conn, k)
    # Each figure reads data of some categories: only those the purpose may use.
    roles_ok = policy.serves("hr_profile", PURPOSE) and policy.serves("derived", PURPOSE)
    return LdView(
        k=k,
        learners=learners,
        catalogue=dict(
            conn.execute(
                "SELECT format::text, count(*) FROM content_item WHERE retired_at IS NULL "
                "GROUP BY 1 ORDER BY 1"
            ).fetchall()
        ),
        coverage=_coverage(conn, k),
        performance=performance,
        withheld_items=withheld,
        days=_days(conn, k) if roles_ok else [],
        opt_outs={
            family: (n if n >= k else None)
            for family, n in conn.execute(
                "SELECT family, count(*) FROM policy_opt_out GROUP BY 1 ORDER BY 1"
            )
        },
        model=model_health(conn) if policy.serves("assessment", PURPOSE) else NO_MODEL,
    )


def _coverage(conn: Conn, k: int) -> list[Coverage]:
    rows = conn.execute(
        "WITH needed AS (SELECT skill_id, count(DISTINCT job_profile_id) AS roles, "
        "array_agg(DISTINCT job_profile_id) AS profiles FROM job_profile_skill GROUP BY 1), "
        "people AS (SELECT n.skill_id, count(DISTINCT f.learner_id) AS people FROM needed n "
        "JOIN hr_fact f ON f.fact_type = 'job_profile' "
        "AND coalesce(f.value ->> 'id', f.value #>> '{}') = ANY(n.profiles) GROUP BY 1), "
        "items AS (SELECT cs.skill_id, count(*) AS items, array_agg(DISTINCT ci.format::text) "
        "AS formats FROM content_skill cs JOIN content_item ci ON ci.id = cs.content_id "
        "AND ci.retired_at IS NULL GROUP BY 1) "
        "SELECT n.skill_id, s.name, n.roles, coalesce(p.people, 0), coalesce(i.items, 0), "
        "coalesce(i.formats, '{}') FROM needed n JOIN skill s ON s.id = n.skill_id "
        "LEFT JOIN people p ON p.skill_id = n.skill_id "
        "LEFT JOIN items i ON i.skill_id = n.skill_id ORDER BY 5, 3 DESC, 2"
    ).fetchall()
    return [
        Coverage(
            skill_id=sid,
            name=name,
            roles_needing=roles,
            people_needing=people if people >= k else None,
            live_items=items,
            formats=sorted(formats),
            status="none" if items == 0 else "thin" if items < 3 else "covered",
        )
        for sid, name, roles, people, items, formats in rows
    ]


def _performance(conn: Conn, k: int) -> tuple[list[ItemPerformance], int]:
    """Per item, over the last DAYS days; an item with fewer than k people behind a figure
    shows none."""
    since = datetime.now(UTC) - timedelta(days=DAYS)
    rows = conn.execute(
        "WITH rec AS (SELECT content_id, count(DISTINCT learner_id) AS people FROM "
        "recommendation WHERE generated_at >= %(since)s GROUP BY 1), "
        "ev AS (SELECT content_id, "
        "count(DISTINCT learner_id) FILTER (WHERE verb NOT LIKE %(fb)s) AS started, "
        "count(DISTINCT learner_id) FILTER (WHERE completion) AS finished, "
        "count(DISTINCT learner_id) FILTER (WHERE verb = %(useful)s) AS useful, "
        "count(DISTINCT learner_id) FILTER (WHERE verb = %(not_useful)s) AS not_useful, "
        "count(DISTINCT learner_id) FILTER (WHERE verb = %(dismiss)s) AS dismissed "
        "FROM learning_event WHERE content_id IS NOT NULL AND NOT voided "
        "AND occurred_at >= %(since)s GROUP BY 1) "
        "SELECT ci.id, ci.title, coalesce(r.people, 0), coalesce(e.started, 0), "
        "coalesce(e.finished, 0), coalesce(e.useful, 0), coalesce(e.not_useful, 0), "
        "coalesce(e.dismissed, 0) FROM content_item ci LEFT JOIN rec r ON r.content_id = ci.id "
        "LEFT JOIN ev e ON e.content_id = ci.id "
        "WHERE r.people IS NOT NULL OR e.started IS NOT NULL ORDER BY 3 DESC, 4 DESC LIMIT 200",
        {
            "since": since,
            "fb": VERB_BASE + "%",
            "useful": VERB_BASE + "useful",
            "not_useful": VERB_BASE + "not-useful",
            "dismiss": VERB_BASE + "dismiss",
        },
    ).fetchall()

    def shown(n: int) -> int | None:
        return n if n >= k else None

    out = [
        ItemPerformance(
            content_id=str(cid),
            title=title,
            recommended_to=rec,
            started_by=shown(started),
            finished_by=shown(finished),
            useful=shown(useful),
            not_useful=shown(not_useful),
            dismissed=shown(dismissed),
        )
        for cid, title, rec, started, finished, useful, not_useful, dismissed in rows
        if max(rec, started) >= k
    ]
    return out, len(rows) - len(out)


def _days(conn: Conn, k: int) -> list[DayFigure]:
    """Per day: the share of same-role pairs whose latest top five that day were identical,
    and the share of recommendations each ranking signal moved."""
    since = datetime.now(UTC) - timedelta(days=DAYS)
    tops = conn.execute(
        "WITH latest AS (SELECT DISTINCT ON (learner_id, generated_at::date) learner_id, "
        "generated_at FROM recommendation WHERE generated_at >= %s "
        "ORDER BY learner_id, generated_at::date, generated_at DESC) "
        "SELECT l.generated_at::date, coalesce(f.value ->> 'id', f.value #>> '{}'), "
        "array_agg(r.content_id::text ORDER BY r.rank) FROM latest l "
        "JOIN recommendation r USING (learner_id, generated_at) "
        "JOIN hr_fact f ON f.learner_id = l.learner_id AND f.fact_type = 'job_profile' "
        "WHERE r.rank <= 5 GROUP BY l.learner_id, 1, 2",
        (since,),
    ).fetchall()
    groups: dict[Any, dict[str, dict[tuple[str, ...], int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for day, role, items in tops:
        groups[day][role][tuple(items)] += 1
    uses = conn.execute(
        "SELECT generated_at::date, c ->> 'signal', count(*) FILTER (WHERE "
        "(c ->> 'contribution')::float > 0), count(DISTINCT (learner_id, rank, generated_at)) "
        "FROM recommendation, jsonb_array_elements(contributions) c WHERE generated_at >= %s "
        "GROUP BY 1, 2",
        (since,),
    ).fetchall()
    shares: dict[Any, dict[str, float]] = defaultdict(dict)
    for day, signal, moved, total in uses:
        if total >= k:
            shares[day][signal] = round(moved / total, 3)
    days = []
    for day in sorted(set(groups) | set(shares)):
        pairs = identical = 0
        for sets in groups[day].values():
            n = sum(sets.values())
            if n < k:
                continue  # a role with fewer than k people says nothing about itself
            pairs += n * (n - 1) // 2
            identical += sum(c * (c - 1) // 2 for c in sets.values())
        days.append(
            DayFigure(
                day=day.isoformat(),
                pairs=pairs,
                identical_share=round(identical / pairs, 4) if pairs else None,
                signal_share=shares.get(day, {}),
            )
        )
    return days


def model_health(conn: Conn) -> ModelHealth:
    """AUC and calibration of the fitted BKT model on answers newer than the fit."""
    fitted = one(
        conn.execute(
            "SELECT max(fitted_at), count(*) FILTER (WHERE n_calibration > 0) FROM bkt_skill_params"
        )
    )
    fitted_at, calibrated = fitted
    if fitted_at is None:
        return NO_MODEL
    params, default = load_params(conn)
    rows = conn.execute(
        "SELECT learner_id, skill, success, score_scaled, occurred_at FROM learning_event, "
        "unnest(skill_ids) AS skill WHERE data_category = 'assessment' AND NOT voided "
        "AND learner_id NOT IN (SELECT learner_id FROM policy_opt_out "
        "WHERE family = 'assessment_results') ORDER BY learner_id, skill, occurred_at"
    ).fetchall()
    predicted, observed = [], []
    key, p = None, 0.0
    for learner, skill, success, score, at in rows:
        ok = is_correct(success, score)
        if ok is None:
            continue
        par = params.get(skill, default)
        if (learner, skill) != key:
            key, p = (learner, skill), par.prior
        if at > fitted_at:  # held out: the fit never saw it
            predicted.append(bkt.predict_correct(p, par))
            observed.append(ok)
        p = bkt.posterior_update(p, ok, par)
    y, score_ = np.array(observed, bool), np.array(predicted, float)
    auc = _auc(y, score_) if len(y) and y.any() and (~y).any() else None
    bins = []
    for lo in np.arange(0, 1, 0.2):
        inside = (score_ >= lo) & (score_ < lo + 0.2 + (1e-9 if lo >= 0.8 else 0))
        if inside.sum() >= 1:
            bins.append(
                {
                    "from": round(float(lo), 1),
                    "predicted": round(float(score_[inside].mean()), 3),
                    "observed": round(float(y[inside].mean()), 3),
                    "answers": int(inside.sum()),
                }
            )
    return ModelHealth(
        fitted_at=fitted_at.isoformat(),
        held_out_answers=len(y),
        auc=round(auc, 4) if auc is not None else None,
        calibration=bins,
        calibrated_skills=int(calibrated),
    )


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic with average ranks for ties."""
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    edges = np.flatnonzero(np.diff(s)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(s)]))
    ranks = np.empty(len(s))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    n_pos, n_neg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
