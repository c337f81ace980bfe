"""Mastery per learner and skill, kept current: BKT parameters are fitted per skill over all
assessment evidence, and each new assessment event updates the learner's mastery in
constant time the moment it is stored."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from . import bkt, bkt_train, kt_store
from .bkt import BKTParams

Conn = psycopg.Connection[Any]

#: A scaled score at or above this counts as a correct response when success is not given.
PASS_SCORE = 0.6


def is_correct(success: bool | None, score_scaled: float | None) -> bool | None:
    """Whether an assessment event is evidence of a correct response (None: no evidence)."""
    if success is not None:
        return bool(success)
    if score_scaled is not None:
        return score_scaled >= PASS_SCORE
    return None


@dataclass
class FitReport:
    skills: int
    defaulted: int
    responses: int
    learners: int
    seconds: float
    #: The logistic knowledge-tracing model's refit (see learner.kt_store).
    logistic: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def load_params(conn: Conn) -> tuple[dict[str, BKTParams], BKTParams]:
    params = {
        sid: BKTParams(
            prior=p,
            learn=lr,
            guess=g,
            slip=s,
            forget=f,
            difficulty_offset=offset,
            difficulty_slope=slope,
        )
        for sid, p, lr, g, s, f, offset, slope in conn.execute(
            "SELECT skill_id, prior, learn, guess, slip, forget, difficulty_offset, "
            "difficulty_slope FROM bkt_skill_params"
        )
    }
    return params, bkt.DEFAULT_PARAMS


def assessment_responses(
    conn: Conn, learners: Sequence[UUID] | None = None
) -> list[tuple[UUID, str, bool, datetime]]:
    """(learner, skill, correct, when) for every assessment event with evidence, in order."""
    sql = (
        "SELECT learner_id, skill, success, score_scaled, occurred_at FROM learning_event, "
        "unnest(skill_ids) AS skill WHERE data_category = 'assessment' AND NOT voided"
    )
    args: tuple[Any, ...] = ()
    if learners is not None:
        sql += " AND learner_id = ANY(%s)"
        args = (list(learners),)
    sql += " ORDER BY learner_id, skill, occurred_at, statement_id"
    out = []
    for learner, skill, success, score, when in conn.execute(sql, args):
        ok = is_correct(success, score)
        if ok is not None:
            out.append((learner, skill, ok, when))
    return out


def fit_and_store(
    conn: Conn, responses: Iterable[tuple[UUID, str, bool, datetime]], *, forget: bool = True
) -> FitReport:
    """Fit BKT per skill, store the parameters, and recompute every learner's mastery."""
    started = time.perf_counter()
    rows = list(responses)
    model = bkt_train.fit(((lid, skill, ok) for lid, skill, ok, _ in rows), forget=forget)
    # Fitted before anything is written: a write bumps the model version (migration 0004),
    # whose row stays locked until the transaction ends.
    logistic, logistic_report = kt_store.fit(conn, model, pass_score=PASS_SCORE)
    known_skills = {r[0] for r in conn.execute("SELECT id FROM skill")}
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bkt_skill_params (skill_id, prior, learn, guess, slip, forget, "
            "defaulted, n_events, fitted_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now()) "
            "ON CONFLICT (skill_id) DO UPDATE SET prior = excluded.prior, learn = excluded.learn, "
            "guess = excluded.guess, slip = excluded.slip, forget = excluded.forget, "
            "defaulted = excluded.defaulted, n_events = excluded.n_events, fitted_at = now()",
            [
                (
                    skill,
                    p.prior,
                    p.learn,
                    p.guess,
                    p.slip,
                    p.forget,
                    skill in model.defaulted,
                    model.n_responses.get(skill, 0),
                )
                for skill, p in model.params.items()
                if skill in known_skills
            ],
        )
    mastery: dict[tuple[UUID, str], list[Any]] = {}
    for lid, skill, ok, when in rows:
        if skill not in known_skills:
            continue
        p = model.params_for(skill)
        state = mastery.setdefault((lid, skill), [bkt.logit(p.prior), 0, when])
        state[0] = bkt.logit_update(state[0], ok, p)
        state[1] += 1
        state[2] = when
    _store_mastery(conn, mastery)
    kt_store.store(conn, logistic)
    return FitReport(
        skills=len(model.params),
        defaulted=len(model.defaulted),
        responses=len(rows),
        learners=len({k[0] for k in mastery}),
        seconds=round(time.perf_counter() - started, 3),
        logistic=logistic_report.as_dict(),
    )


def update_for_events(
    conn: Conn, events: Sequence[tuple[UUID, Sequence[str], bool, datetime]]
) -> int:
    """Fold newly stored assessment responses into current mastery, O(1) per response."""
    if not events:
        return 0
    params, default = load_params(conn)
    keys = {(lid, s) for lid, skills, _, _ in events for s in skills}
    _lock(conn, keys)
    current = {
        (lid, sid): [bkt.logit(p) if x is None else x, n, at]
        for lid, sid, p, x, n, at in conn.execute(
            "SELECT learner_id, skill_id, p_mastery, logit_mastery, n_events, last_event_at "
            "FROM learner_skill_mastery WHERE (learner_id, skill_id) IN "
            "(SELECT * FROM unnest(%s::uuid[], %s::text[]))",
            ([k[0] for k in keys], [k[1] for k in keys]),
        )
    }
    known = {
        r[0]
        for r in conn.execute(
            "SELECT id FROM skill WHERE id = ANY(%s)", (list({k[1] for k in keys}),)
        )
    }
    for lid, skills, ok, when in sorted(events, key=lambda e: e[3]):
        for skill in skills:
            if skill not in known:
                continue
            p = params.get(skill, default)
            state = current.setdefault((lid, skill), [bkt.logit(p.prior), 0, when])
            state[0] = bkt.logit_update(state[0], ok, p)
            state[1] += 1
            state[2] = when
    touched = {k: v for k, v in current.items() if k in keys}
    _store_mastery(conn, touched)
    return len(touched)


def _lock(conn: Conn, keys: Iterable[tuple[UUID, str]]) -> None:
    """Hold each (learner, skill) until this transaction ends, taken in one global order.

    Two requests for the same learner run at once when a source sends in parallel (or when
    ``serve`` runs several processes). Without the lock each reads the same state, folds in
    only its own answers and the last write wins, losing the other's evidence; row locks alone
    come too late (at the write) and, taken in different orders, deadlock. Advisory locks
    also cover rows that do not exist yet.
    """
    ids = sorted({_lock_id(lid, sid) for lid, sid in keys})
    # unnest yields the array in order, so the locks are taken in ascending order.
    conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", (ids,))


def _lock_id(learner_id: UUID, skill_id: str) -> int:
    digest = hashlib.blake2b(
        learner_id.bytes + skill_id.encode(), digest_size=8, person=b"lw-mastery"
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def _store_mastery(conn: Conn, mastery: dict[tuple[UUID, str], list[Any]]) -> None:
    """``mastery`` holds [log-odds of mastery, answers, last answer at] per learner and skill;
    the probability is stored beside the log-odds for readers that want one."""
    if not mastery:
        return
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO learner_skill_mastery (learner_id, skill_id, p_mastery, logit_mastery, "
            "n_events, last_event_at, occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (learner_id, skill_id) DO UPDATE SET p_mastery = excluded.p_mastery, "
            "logit_mastery = excluded.logit_mastery, n_events = excluded.n_events, "
            "last_event_at = excluded.last_event_at, occurred_at = excluded.occurred_at, "
            "stored_at = now()",
            [
                (lid, sid, bkt.sigmoid(x), float(x), int(n), at, at or now)
                # In key order, like the locks: concurrent writers never wait on each other
                # in a cycle.
                for (lid, sid), (x, n, at) in sorted(mastery.items())
            ],
        )
