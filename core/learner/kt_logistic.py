"""Logistic knowledge tracing: P(next answer right) from the learner's practice history.

A logistic model in the spirit of PFA and "Best-LR" (Gervet et al. 2020): the log-odds of a
right answer is a weighted sum of the history features of
:mod:`learnwire.core.learner.practice_history` (shared weights), plus per skill its own
deviations on a few of them (its easiness, its slopes on earlier right and wrong answers,
on recent ones and on general ability), plus, where answers name the item, the item's
easiness. One feature is BKT's own prediction (with forgetting). Serving costs one
:class:`PracticeHistory` update and one dot product per answer, constant time like BKT's
update; BKT stays the per-skill mastery that explanations read, this model is the better
predictor of the next answer.

Fitting (:func:`fit`) maximises the penalised likelihood by Newton's method: the Hessian of
the shared and per-skill weights is small (a few hundred rows) and assembled from per-skill
sums, and item easiness is updated between Newton steps (block coordinate ascent). The
penalties are Gaussian priors with stated scales, so skills and items with little evidence
shrink towards the population rather than fitting noise. The BKT feature the weights are
fitted on is cross-fitted (BKT fitted on the other half of the learners), so the weights do
not learn to trust an in-sample BKT more than a served one deserves.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import bkt_train
from .bkt import BKTModel
from .practice_history import FEATURES, SKILL_COLUMNS, SKILL_FEATURES, PracticeHistory

#: Prior standard deviations (log-odds units): shared weights are barely restrained; a
#: skill's or item's deviation from the population is shrunk unless evidence supports it.
SHARED_PRIOR_SD = 10.0
SKILL_PRIOR_SD = 1.0
ITEM_PRIOR_SD = 1.0


@dataclass(frozen=True)
class LogisticKT:
    """Fitted weights: ``weights`` align with :data:`FEATURES`, ``skill_weights[skill]``
    with :data:`SKILL_FEATURES`; a skill or item never seen in fitting gets zeros (the
    population)."""

    weights: np.ndarray
    bkt: BKTModel
    skill_weights: dict[Hashable, tuple[float, ...]] = field(default_factory=dict)
    item_offsets: dict[Hashable, float] = field(default_factory=dict)
    n_events: int = 0
    iterations: int = 0
    log_loss: float = math.nan

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"expected {len(FEATURES)} shared weights, got {len(self.weights)}")
        for skill, sw in self.skill_weights.items():
            if len(sw) != len(SKILL_FEATURES):
                raise ValueError(f"skill {skill!r}: expected {len(SKILL_FEATURES)} weights")

    def logit(
        self,
        history: PracticeHistory,
        skill: Hashable,
        item: Hashable | None = None,
        at: float | None = None,
    ) -> float:
        x = history.features(skill, self.bkt.params_for(skill), at)
        eta = sum([w * v for w, v in zip(self._w, x, strict=True)])
        sw = self.skill_weights.get(skill)
        if sw is not None:
            eta += sum([w * x[c] for w, c in zip(sw, SKILL_COLUMNS, strict=True)])
        if item is not None:
            eta += self.item_offsets.get(item, 0.0)
        return eta

    def observe(
        self, history: PracticeHistory, skill: Hashable, correct: bool | int, at: float | None
    ) -> None:
        """Fold one answer into ``history`` (O(1))."""
        history.observe(skill, correct, self.bkt.params_for(skill), at)

    @property
    def _w(self) -> list[float]:
        # A list of floats: Python's own arithmetic beats numpy on 23 numbers.
        cached = self.__dict__.get("_wlist")
        if cached is None:
            cached = [float(v) for v in self.weights]
            object.__setattr__(self, "_wlist", cached)
        return cached

    def predict(
        self,
        history: PracticeHistory,
        skill: Hashable,
        item: Hashable | None = None,
        at: float | None = None,
    ) -> float:
        """P(the learner's next answer on ``skill`` (and ``item``) is right)."""
        eta = self.logit(history, skill, item, at)
        return 1.0 / (1.0 + math.exp(-eta)) if eta >= 0 else 1.0 - 1.0 / (1.0 + math.exp(eta))

    def predict_events(
        self,
        students: Sequence[Hashable],
        skills: Sequence[Hashable],
        correct: Sequence[int],
        items: Sequence[Hashable] | None = None,
        times: Sequence[float] | None = None,
    ) -> np.ndarray:
        """One-step-ahead P(right) before each event of a chronological log, each learner
        starting with no history; every prediction is followed by that answer's update."""
        out = np.empty(len(correct))
        histories: dict[Hashable, PracticeHistory] = {}
        for i, (student, skill, ok) in enumerate(zip(students, skills, correct, strict=True)):
            h = histories.get(student)
            if h is None:
                h = histories[student] = PracticeHistory()
            item = None if items is None else items[i]
            at = None if times is None else times[i]
            out[i] = self.predict(h, skill, item, at)
            h.observe(skill, ok, self.bkt.params_for(skill), at)
        return out


def design(
    students: Sequence[Hashable],
    skills: Sequence[Hashable],
    correct: Sequence[int],
    bkt_of: dict[Hashable, BKTModel],
    times: Sequence[float] | None = None,
) -> np.ndarray:
    """Features before each event, replaying each learner's history in order; learner
    ``s`` is traced with BKT model ``bkt_of[s]``."""
    dense = np.empty((len(correct), len(FEATURES)))
    histories: dict[Hashable, PracticeHistory] = {}
    for i, (student, skill, ok) in enumerate(zip(students, skills, correct, strict=True)):
        h = histories.get(student)
        if h is None:
            h = histories[student] = PracticeHistory()
        at = None if times is None else times[i]
        params = bkt_of[student].params_for(skill)
        dense[i] = h.features(skill, params, at)
        h.observe(skill, ok, params, at)
    return dense


def cross_fitted_bkt(
    students: Sequence[Hashable], skills: Sequence[Hashable], correct: np.ndarray, seed: int = 0
) -> dict[Hashable, BKTModel]:
    """For each learner, BKT (with forgetting) fitted on the other half of the learners."""
    codes, labels = _codes(students)
    half = np.random.default_rng(seed).permutation(len(labels)) % 2
    skill_arr = np.asarray(skills, dtype=object)
    out: dict[Hashable, BKTModel] = {}
    for fold in (0, 1):
        train = half[codes] != fold
        if not train.any():  # a single learner: nothing to hold out
            train[:] = True
        model = bkt_train.fit_arrays(codes[train], skill_arr[train], correct[train], forget=True)
        out.update({labels[i]: model for i in np.flatnonzero(half == fold)})
    return out


def _codes(values: Sequence[Hashable]) -> tuple[np.ndarray, list[Hashable]]:
    seen: dict[Hashable, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64, len(values))
    return codes, list(seen)


def fit(
    students: Sequence[Hashable],
    skills: Sequence[Hashable],
    correct: Sequence[int],
    *,
    items: Sequence[Hashable | None] | None = None,
    times: Sequence[float] | None = None,
    bkt: BKTModel | None = None,
    n_iter: int = 50,
    tol: float = 1e-7,
) -> LogisticKT:
    """Fit on a chronological answer log (``times`` in days, optional; ``items`` optional,
    None for answers without an item). ``bkt`` is the BKT model (with forgetting) to serve
    with, fitted here on the same log when not given. Raises ``ValueError`` without both
    kinds of answer."""
    y = np.asarray(correct, dtype=np.float64)
    if not len(students) == len(skills) == len(y):
        raise ValueError("students, skills and correct must have the same length")
    if len(y) == 0 or y.min() == y.max():
        raise ValueError("fitting needs both right and wrong answers")
    dense = design(students, skills, correct, cross_fitted_bkt(students, skills, y), times)
    if bkt is None:
        bkt = bkt_train.fit(zip(students, skills, correct, strict=True), forget=True)
    sk, skill_labels = _codes(skills)
    if items is not None:
        it, item_labels = _codes(items)
    else:
        it, item_labels = np.zeros(len(y), np.int64), [None]
    no_item = item_labels.index(None) if None in item_labels else -1
    w, v, o, iterations, loss = newton(dense, sk, len(skill_labels), y, it, n_iter, tol, no_item)
    return LogisticKT(
        weights=w,
        bkt=bkt,
        skill_weights={lab: tuple(float(x) for x in v[i]) for i, lab in enumerate(skill_labels)},
        item_offsets={
            lab: float(o[i]) for i, lab in enumerate(item_labels) if lab is not None and o[i]
        },
        n_events=len(y),
        iterations=iterations,
        log_loss=loss,
    )


def newton(
    dense: np.ndarray,
    sk: np.ndarray,
    n_skills: int,
    y: np.ndarray,
    it: np.ndarray,
    n_iter: int,
    tol: float,
    no_item: int = -1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, float]:
    """Penalised maximum likelihood; returns shared, per-skill and per-item weights, the
    iterations run and the mean log-loss of the fitted model on its data. ``it`` codes each
    answer's item; code ``no_item`` (answers naming none) gets no easiness of its own."""
    n, d = dense.shape
    order = np.argsort(sk, kind="stable")  # rows grouped by skill: per-skill sums by reduceat
    x, y, sk, it = dense[order], y[order], sk[order], it[order]
    b = x[:, list(SKILL_COLUMNS)]
    k = b.shape[1]
    starts = np.flatnonzero(np.r_[True, np.diff(sk) != 0])
    present = sk[starts]
    n_items = int(it.max()) + 1
    has_item = np.bincount(it, minlength=n_items) > 0
    if no_item >= 0:
        has_item[no_item] = False
    lam_d, lam_s, lam_o = 1 / SHARED_PRIOR_SD**2, 1 / SKILL_PRIOR_SD**2, 1 / ITEM_PRIOR_SD**2
    w, v, o = np.zeros(d), np.zeros((n_skills, k)), np.zeros(n_items)
    fit_items = bool(has_item.any())

    def objective(w, v, o):
        eta = x @ w + np.einsum("ij,ij->i", b, v[sk]) + o[it]
        penalty = lam_d * w @ w + lam_s * np.sum(v * v) + lam_o * o @ o
        return eta, float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * penalty)

    eta, loss = objective(w, v, o)
    iterations = 0
    for iterations in range(1, n_iter + 1):  # noqa: B007 (reported after the loop)
        p = np.exp(-np.logaddexp(0.0, -eta))
        r, h = p - y, p * (1.0 - p)
        g_d = x.T @ r + lam_d * w
        g_v = np.zeros((n_skills, k))
        g_v[present] = np.add.reduceat(b * r[:, None], starts)
        g_v += lam_s * v
        size = d + n_skills * k
        hess = np.zeros((size, size))
        hess[:d, :d] = x.T @ (x * h[:, None]) + lam_d * np.eye(d)
        for j in range(k):
            cross = np.zeros((n_skills, d))
            cross[present] = np.add.reduceat(x * (h * b[:, j])[:, None], starts)
            cols = d + np.arange(n_skills) * k + j
            hess[:d, cols] = cross.T
            hess[cols, :d] = cross
            for m in range(j, k):
                block = np.zeros(n_skills)
                block[present] = np.add.reduceat(h * b[:, j] * b[:, m], starts)
                rows = d + np.arange(n_skills) * k + m
                hess[cols, rows] = block + (lam_s if j == m else 0.0)
                hess[rows, cols] = hess[cols, rows]
        grad = np.concatenate([g_d, g_v.ravel()])
        if fit_items:
            step, step_o = _with_items(hess, grad, x, b, sk, it, h, r, o, has_item, lam_o)
        else:
            step, step_o = np.linalg.solve(hess, grad), np.zeros_like(o)
        step_w, step_v = step[:d], step[d:].reshape(n_skills, k)
        scale = 1.0
        for _ in range(30):  # halve the step until the objective improves
            new_eta, new_loss = objective(
                w - scale * step_w, v - scale * step_v, o - scale * step_o
            )
            if new_loss <= loss:
                break
            scale *= 0.5
        w, v, o, eta = w - scale * step_w, v - scale * step_v, o - scale * step_o, new_eta
        gain = (loss - new_loss) / n
        loss = new_loss
        biggest = max(np.max(np.abs(step)), np.max(np.abs(step_o), initial=0.0))
        if gain < tol and scale * biggest < 1e-4:
            break
    return w, v, o, iterations, float(np.mean(np.logaddexp(0.0, eta) - y * eta))


def _with_items(
    hess: np.ndarray,
    grad: np.ndarray,
    x: np.ndarray,
    b: np.ndarray,
    sk: np.ndarray,
    it: np.ndarray,
    h: np.ndarray,
    r: np.ndarray,
    o: np.ndarray,
    has_item: np.ndarray,
    lam_o: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The Newton step with item easiness in the same system. Items' own block is diagonal,
    so it is eliminated first (Schur complement): the solve stays the size of the shared and
    per-skill weights however many items there are."""
    n_items, d, k = len(o), x.shape[1], b.shape[1]
    n_skills = (len(grad) - d) // k
    g_o = np.where(has_item, np.bincount(it, r, n_items) + lam_o * o, 0.0)
    d_o = np.where(has_item, np.bincount(it, h, n_items) + lam_o, 1.0)
    cross = np.empty((len(grad), n_items))  # d2 loss / d(weight) d(item easiness)
    for c in range(d):
        cross[c] = np.bincount(it, h * x[:, c], n_items)
    for j in range(k):
        flat = np.bincount(sk * n_items + it, h * b[:, j], n_skills * n_items)
        cross[d + j :: k] = flat.reshape(n_skills, n_items)
    cross[:, ~has_item] = 0.0
    scaled = cross / d_o
    step = np.linalg.solve(hess - scaled @ cross.T, grad - scaled @ g_o)
    return step, (g_o - cross.T @ step) / d_o
