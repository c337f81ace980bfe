"""The evidence the practice curve is fitted on, and the scores a fit is judged by.

:class:`Evidence` holds an organisation's answers (with the level the learner model started
each person at on the skill, and the item's difficulty) and the items practised (with the
levels the model held then), as flat arrays; :mod:`~learnwire.core.learner.gain_sml` fits
the practice curve (:mod:`~learnwire.core.learner.gain_params`) from it, integrating out
where each person really started. An earlier fit here read the model's starting levels as
exact and its answer model as given; where answers switch from wrong to right within a few
hundredths of a level that inflated gains several times over (docs/outcomes.md), and it was
replaced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class Evidence:
    """Answers and practice as flat arrays. Learners, skills and formats are indices
    (skills into ``skill_ids``, formats into :data:`FORMATS`); days are any common origin.

    Answers: ``a_offset`` is (starting level - effective difficulty) / ELO_SCALE.
    Practice: ``p_rel`` is labelled difficulty - level then - 0.05, ``p_headroom`` is
    1 - level then, ``p_ready`` the readiness then, ``p_share`` the skill's weight in the
    item times the share of the item done."""

    skill_ids: Sequence[str]
    a_learner: np.ndarray
    a_skill: np.ndarray
    a_day: np.ndarray
    a_offset: np.ndarray
    a_guess: np.ndarray
    a_slip: np.ndarray
    a_correct: np.ndarray
    p_learner: np.ndarray
    p_skill: np.ndarray
    p_day: np.ndarray
    p_format: np.ndarray
    p_minutes: np.ndarray
    p_rel: np.ndarray
    p_headroom: np.ndarray
    p_ready: np.ndarray
    p_share: np.ndarray
    #: Per answer: the learner model's starting level on the skill and the item's labelled
    #: difficulty (what :mod:`~learnwire.core.learner.gain_sml` integrates around).
    a_start: np.ndarray
    a_difficulty: np.ndarray

    @property
    def n_learners(self) -> int:
        both = np.concatenate([self.a_learner, self.p_learner])
        return int(both.max()) + 1 if len(both) else 0


def answers_after_practice(ev: Evidence) -> int:
    """How many answers follow practice on their skill (what the gains rest on)."""
    first: dict[tuple[int, int], float] = {}
    practice = zip(ev.p_learner.tolist(), ev.p_skill.tolist(), ev.p_day.tolist(), strict=True)
    for learner, skill, day in practice:
        first[learner, skill] = min(day, first.get((learner, skill), day))
    answers = zip(ev.a_learner.tolist(), ev.a_skill.tolist(), ev.a_day.tolist(), strict=True)
    return sum(day > first.get((learner, skill), day) for learner, skill, day in answers)


def subset(ev: Evidence, learners: np.ndarray) -> Evidence:
    """Only the answers and practice of the learners where ``learners`` is True."""
    a = learners[ev.a_learner]
    p = learners[ev.p_learner]
    fields = {}
    for name, value in vars(ev).items():
        if name.startswith("a_"):
            fields[name] = value[a]
        elif name.startswith("p_"):
            fields[name] = value[p]
    return Evidence(skill_ids=ev.skill_ids, **fields)


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return -float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); nan with one class only."""
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        return math.nan
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    _, inverse, counts = np.unique(p, return_inverse=True, return_counts=True)
    mean_rank = np.bincount(inverse, weights=ranks) / counts
    ranks = mean_rank[inverse]
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))
