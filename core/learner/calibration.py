"""Where answers on each skill switch from wrong to right, on the learner model's level scale.

The level model reads an item's labelled difficulty as the level at which a person answers
it right half the time. Labels are authors' judgement on their own scale, and an
organisation's assessments on one skill may all be passed from a lower (or higher) level
than their labels say; read as labelled, right answers on items labelled hard push levels
up that the answers never tested, and wrong answers on items labelled easy push them far
down. So, per skill, the effective difficulty is

    0.5 + offset[skill] + slope * (labelled difficulty - 0.5)

fitted (maximum a posteriori, item-response style) from the organisation's own answers
against the level the learner model held when each was given, with the model's logistic,
the skill's fitted BKT guess and slip, the slope shared by all skills and each skill's offset
shrunk towards the shared one (a skill with few answers keeps the shared offset).

The levels come from replaying each learner's history with labelled difficulties, so a
refit does not feed on its own previous calibration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import psycopg

from ..ranker.items import load_items
from ..ranker.service import PURPOSE, RecommendationService
from .build import Answers, replay_answers
from .level import ELO_SCALE
from .org import load_org

Conn = psycopg.Connection[Any]

#: Prior sd of a skill's offset around the shared one (level units).
OFFSET_SD = 0.1
#: Fewer answers than this in all leave labelled difficulty as it is.
MIN_ANSWERS = 200
_STEPS, _RATE = 2000, 0.01
#: Learners whose governed views are read at once.
CHUNK = 500


@dataclass(frozen=True)
class Calibration:
    offset: np.ndarray  # per skill
    slope: float
    answers: np.ndarray  # per skill: how many answers the offset rests on


def uncalibrated(n_skills: int) -> Calibration:
    return Calibration(np.zeros(n_skills), 1.0, np.zeros(n_skills, np.int64))


def fit(
    skill: np.ndarray,
    level: np.ndarray,
    difficulty: np.ndarray,
    correct: np.ndarray,
    guess: np.ndarray,
    slip: np.ndarray,
    n_skills: int,
) -> Calibration:
    """Fit from one row per answer: its skill, the level the model held then, the item's
    labelled difficulty, whether it was right, and the skill's guess and slip rates
    (arrays indexed by skill)."""
    skill = np.asarray(skill, np.int64)
    counts = np.bincount(skill, minlength=n_skills)
    if len(skill) < MIN_ANSWERS:
        return uncalibrated(n_skills)
    level = np.asarray(level, np.float64)
    centred = np.asarray(difficulty, np.float64) - 0.5
    y = np.asarray(correct, np.float64)
    g, s = np.asarray(guess, np.float64)[skill], np.asarray(slip, np.float64)[skill]
    # Parameters: shared offset, shared slope, each skill's deviation from the shared offset.
    theta = [np.zeros(1), np.ones(1), np.zeros(n_skills)]
    moment = [np.zeros_like(t) for t in theta]
    square = [np.zeros_like(t) for t in theta]
    for step in range(1, _STEPS + 1):
        shared, slope, own = theta
        z = (level - 0.5 - shared[0] - own[skill] - slope[0] * centred) / ELO_SCALE
        knows = 1.0 / (1.0 + np.exp(-z))
        p = np.clip(g + (1.0 - g - s) * knows, 1e-6, 1.0 - 1e-6)
        # d(-log likelihood)/dz per answer
        dz = -(y / p - (1.0 - y) / (1.0 - p)) * (1.0 - g - s) * knows * (1.0 - knows)
        per_answer = -dz / ELO_SCALE  # d/d(offset): z falls as the offset rises
        grads = [
            np.array([per_answer.sum()]),
            np.array([(per_answer * centred).sum()]),
            np.bincount(skill, weights=per_answer, minlength=n_skills) + own / OFFSET_SD**2,
        ]
        for k, grad in enumerate(grads):  # Adam: robust to the very different scales
            moment[k] = 0.9 * moment[k] + 0.1 * grad
            square[k] = 0.999 * square[k] + 0.001 * grad * grad
            m_hat = moment[k] / (1.0 - 0.9**step)
            v_hat = square[k] / (1.0 - 0.999**step)
            theta[k] = theta[k] - _RATE * m_hat / (np.sqrt(v_hat) + 1e-8)
        # A harder-labelled item is never easier to answer than an easier-labelled one.
        theta[1] = np.maximum(theta[1], 0.0)
    shared, slope, own = theta
    return Calibration(shared[0] + own, float(slope[0]), counts)


@dataclass
class CalibrationReport:
    answers: int
    learners: int
    skills: int  # skills whose offset rests on their own answers
    slope: float
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def calibrate_and_store(conn: Conn, service: RecommendationService) -> CalibrationReport:
    """Replay every assessed learner's governed view (the recommendation purpose's, as the
    learner model itself reads it) with labelled difficulties, fit, and store the offsets
    and slope beside the skills' BKT parameters. Run it after
    :func:`learnwire.core.learner.mastery.fit_and_store`, whose guess and slip it uses."""
    started = time.perf_counter()
    # The catalogue arrays and organisation only, not the service's whole model: its peer
    # and situation signals (and the embedder they load) would be rebuilt anyway once the
    # calibration moves the model version.
    governance = service.governance
    governance.refresh(conn)
    items = load_items(conn)
    fitted = load_org(conn, items.skills.ids, k=governance.min_group_size)
    labelled = [replace(p, difficulty_offset=0.0, difficulty_slope=1.0) for p in fitted.params]
    org = replace(fitted, params=labelled)
    learners = [
        lid
        for (lid,) in conn.execute(
            "SELECT DISTINCT learner_id FROM learning_event "
            "WHERE data_category = 'assessment' AND NOT voided ORDER BY learner_id"
        )
    ]
    answers: Answers = []
    seen = 0
    # Each learner's own governed view, read a chunk of learners at a time (one query per
    # table per chunk rather than per learner).
    for start in range(0, len(learners), CHUNK):
        views = governance.governed_views(conn, learners[start : start + CHUNK], PURPOSE)
        for view in views.values():
            replayed = replay_answers(view, items, org)
            answers.extend(replayed)
            seen += bool(replayed)
    n = len(org.skill_index)
    rows = np.array([(s, lvl, d, ok) for s, lvl, d, ok in answers], np.float64).reshape(-1, 4)
    result = fit(
        rows[:, 0].astype(np.int64),
        rows[:, 1],
        rows[:, 2],
        rows[:, 3],
        np.array([p.guess for p in labelled]),
        np.array([p.slip for p in labelled]),
        n,
    )
    ids = items.skills.ids
    with conn.cursor() as cur:
        # fitted_at says when the parameters last changed (the clock's time: now() would
        # repeat the BKT fit's if it ran in this transaction); the update itself moves the
        # model version (migration 0004), so served models pick the calibration up.
        cur.executemany(
            "UPDATE bkt_skill_params SET difficulty_offset = %s, difficulty_slope = %s, "
            "n_calibration = %s, fitted_at = clock_timestamp() WHERE skill_id = %s",
            [
                (float(result.offset[i]), result.slope, int(result.answers[i]), ids[i])
                for i in range(n)
            ],
        )
    return CalibrationReport(
        answers=len(answers),
        learners=seen,
        skills=int((result.answers > 0).sum()),
        slope=round(result.slope, 3),
        seconds=round(time.perf_counter() - started, 3),
    )
