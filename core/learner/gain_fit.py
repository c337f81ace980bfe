"""Fitting the practice curve (:mod:`learnwire.core.learner.gain_params`) to an
organisation's answers before and after practice.

The model, in the spirit of the Additive Factors Model (Cen, Koedinger & Junker 2006) but
on the level scale the learner model uses: an answer's chance of being right is the skill's
guess and slip around a logistic in

    eta = (starting level - effective difficulty) / ELO_SCALE + person's offset
          + sum over the items practised on the skill before the answer of
            practice credit(item; parameters) * exp(-forget_rate * days since) / ELO_SCALE

where the credit is the practice curve itself (format, skill, duration, difficulty relative
to the level held when the item was done, readiness, headroom). The starting level is the
learner model's own (role, HR data, defaults); the person's offset absorbs how far each
person really starts from it, so the gain is measured from change within people, not from
who practises more.

Maximum a posteriori by Fisher scoring: Gaussian priors centred on the documented defaults
(:data:`~learnwire.core.learner.gain_params.PRIOR_SD`); a format's and a skill's gain are
partially pooled (their deviations from the shared gain are shrunk unless their evidence
supports them), and each person's offset is shrunk to zero. The levels at which items were
practised come from the learner model's replay with the parameters in use (one linearisation
around them, not a joint fit of the whole replay).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .gain_params import DEFAULT_GAIN, FORMATS, PRIOR_SD, GainParams
from .level import ELO_SCALE

#: Fewer answers than this, or none after practice, leave the defaults standing.
MIN_ANSWERS = 200
_ITERATIONS, _TOL = 60, 1e-7


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

    @property
    def n_learners(self) -> int:
        both = np.concatenate([self.a_learner, self.p_learner])
        return int(both.max()) + 1 if len(both) else 0


@dataclass
class _Pairs:
    """Each answer with each item practised on its skill, by its person, before it."""

    answer: np.ndarray
    practice: np.ndarray
    days: np.ndarray


def _pairs(ev: Evidence) -> _Pairs:
    groups: dict[tuple[int, int], list[int]] = {}
    for row, key in enumerate(zip(ev.p_learner.tolist(), ev.p_skill.tolist(), strict=True)):
        groups.setdefault(key, []).append(row)
    answers, practice = [], []
    for k, key in enumerate(zip(ev.a_learner.tolist(), ev.a_skill.tolist(), strict=True)):
        for done in groups.get(key, ()):
            if ev.p_day[done] < ev.a_day[k]:
                answers.append(k)
                practice.append(done)
    a = np.array(answers, np.int64)
    p = np.array(practice, np.int64)
    return _Pairs(a, p, (ev.a_day[a] - ev.p_day[p]).astype(np.float64))


def answers_after_practice(ev: Evidence) -> int:
    """How many answers follow practice on their skill (what the gains rest on)."""
    return len(np.unique(_pairs(ev).answer))


class _Layout:
    """Where each parameter sits in the vector fitted, and its prior mean and sd."""

    def __init__(self, n_skills: int, prior: GainParams) -> None:
        self.n_formats, self.n_skills = len(FORMATS), n_skills
        self.fmt = 1
        self.skill = self.fmt + self.n_formats
        self.zone, self.duration, self.ready, self.forget = range(
            self.skill + n_skills, self.skill + n_skills + 4
        )
        self.size = self.forget + 1
        mean = np.zeros(self.size)
        sd = np.zeros(self.size)
        mean[0], sd[0] = math.log(prior.practice_gain), PRIOR_SD["log_practice_gain"]
        mean[self.fmt : self.skill] = np.log(prior.formats())
        sd[self.fmt : self.skill] = PRIOR_SD["log_format_gain"]
        sd[self.skill : self.zone] = PRIOR_SD["log_skill_gain"]
        mean[self.zone], sd[self.zone] = math.log(prior.zone), PRIOR_SD["log_zone"]
        mean[self.duration] = prior.duration_exponent
        sd[self.duration] = PRIOR_SD["duration_exponent"]
        mean[self.ready] = prior.readiness_exponent
        sd[self.ready] = PRIOR_SD["readiness_exponent"]
        mean[self.forget] = math.log(prior.forget_rate)
        sd[self.forget] = PRIOR_SD["log_forget_rate"]
        self.mean, self.precision = mean, 1.0 / sd**2

    def params(self, theta: np.ndarray, skill_ids: Sequence[str], fitted: bool) -> GainParams:
        fmt = np.exp(theta[self.fmt : self.skill])
        own = np.exp(theta[self.skill : self.zone])
        return GainParams(
            practice_gain=float(math.exp(theta[0])),
            format_gain={f: float(g) for f, g in zip(FORMATS, fmt, strict=True)},
            skill_gain={s: float(g) for s, g in zip(skill_ids, own, strict=True)},
            zone=float(math.exp(theta[self.zone])),
            duration_exponent=float(theta[self.duration]),
            readiness_exponent=float(theta[self.ready]),
            forget_rate=float(math.exp(theta[self.forget])),
            fitted=fitted,
        )

    def theta(self, params: GainParams, skill_ids: Sequence[str]) -> np.ndarray:
        theta = self.mean.copy()
        theta[0] = math.log(params.practice_gain)
        theta[self.fmt : self.skill] = np.log(params.formats())
        theta[self.skill : self.zone] = np.log(params.skills(skill_ids))
        theta[self.zone] = math.log(params.zone)
        theta[self.duration] = params.duration_exponent
        theta[self.ready] = params.readiness_exponent
        theta[self.forget] = math.log(params.forget_rate)
        return theta


def _credit(ev: Evidence, pairs: _Pairs, lay: _Layout, theta: np.ndarray) -> np.ndarray:
    """Per pair: the practice credit left at the answer, in answer logits."""
    p = pairs.practice
    log_gain = theta[0] + theta[lay.fmt + ev.p_format[p]] + theta[lay.skill + ev.p_skill[p]]
    zone = math.exp(theta[lay.zone])
    log_v = (
        log_gain
        - ev.p_rel[p] ** 2 / (2.0 * zone**2)
        + theta[lay.duration] * np.log(np.maximum(ev.p_minutes[p], 1.0) / 10.0)
        + theta[lay.ready] * np.log(ev.p_ready[p])
        - math.exp(theta[lay.forget]) * pairs.days
    )
    return np.exp(log_v) * ev.p_headroom[p] * ev.p_share[p] / ELO_SCALE


def _eta(
    ev: Evidence, pairs: _Pairs, lay: _Layout, theta: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    credit = _credit(ev, pairs, lay, theta)
    eta = ev.a_offset + u[ev.a_learner]
    return eta + np.bincount(pairs.answer, weights=credit, minlength=len(eta)), credit


def _likelihood(ev: Evidence, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(right) per answer, d(-log likelihood)/d eta, and the Fisher weight."""
    knows = 1.0 / (1.0 + np.exp(-np.clip(eta, -30, 30)))
    span = 1.0 - ev.a_guess - ev.a_slip
    p = np.clip(ev.a_guess + span * knows, 1e-6, 1 - 1e-6)
    slope = span * knows * (1.0 - knows)
    y = ev.a_correct
    return p, -(y / p - (1.0 - y) / (1.0 - p)) * slope, slope**2 / (p * (1.0 - p))


def _objective(
    ev: Evidence, pairs: _Pairs, lay: _Layout, theta: np.ndarray, u: np.ndarray, sd_u: float
) -> float:
    p, _, _ = _likelihood(ev, _eta(ev, pairs, lay, theta, u)[0])
    y = ev.a_correct
    nll = -float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
    prior = 0.5 * float(np.sum(lay.precision * (theta - lay.mean) ** 2))
    return nll + prior + 0.5 * float(np.sum(u**2)) / sd_u**2


def _jacobian(
    ev: Evidence, pairs: _Pairs, lay: _Layout, theta: np.ndarray, credit: np.ndarray
) -> np.ndarray:
    """d eta / d theta, one row per answer."""
    n, p = len(ev.a_offset), pairs.practice
    jac = np.zeros((n, lay.size))
    zone = math.exp(theta[lay.zone])
    columns = {
        0: credit,
        lay.zone: credit * ev.p_rel[p] ** 2 / zone**2,
        lay.duration: credit * np.log(np.maximum(ev.p_minutes[p], 1.0) / 10.0),
        lay.ready: credit * np.log(ev.p_ready[p]),
        lay.forget: -credit * math.exp(theta[lay.forget]) * pairs.days,
    }
    for col, values in columns.items():
        jac[:, col] = np.bincount(pairs.answer, weights=values, minlength=n)
    for offset, which in ((lay.fmt, ev.p_format[p]), (lay.skill, ev.p_skill[p])):
        np.add.at(jac, (pairs.answer, offset + which), credit)
    return jac


@dataclass(frozen=True)
class GainFit:
    params: GainParams
    iterations: int
    log_loss: float  # per answer fitted on, at the fitted parameters
    answers: int
    pairs: int


def fit(
    ev: Evidence, prior: GainParams = DEFAULT_GAIN, learners: np.ndarray | None = None
) -> GainFit:
    """The posterior mode of the practice curve's parameters given ``ev`` (only the answers
    of ``learners``, a boolean mask over learner indices, when given)."""
    if learners is not None:
        ev = subset(ev, learners)
    pairs = _pairs(ev)
    lay = _Layout(len(ev.skill_ids), prior)
    n = len(ev.a_offset)
    if n < MIN_ANSWERS or len(pairs.answer) == 0:
        return GainFit(prior, 0, math.nan, n, len(pairs.answer))
    sd_u = PRIOR_SD["learner_offset"]
    theta, u = lay.theta(prior, ev.skill_ids), np.zeros(max(ev.n_learners, 1))
    current = _objective(ev, pairs, lay, theta, u, sd_u)
    iterations = 0
    for step_number in range(1, _ITERATIONS + 1):
        iterations = step_number
        eta, credit = _eta(ev, pairs, lay, theta, u)
        _, score, weight = _likelihood(ev, eta)
        jac = _jacobian(ev, pairs, lay, theta, credit)
        hess = jac.T @ (jac * weight[:, None]) + np.diag(lay.precision)
        grad = jac.T @ score + lay.precision * (theta - lay.mean)
        step = np.linalg.solve(hess, grad)
        size = len(u)
        u_hess = np.bincount(ev.a_learner, weights=weight, minlength=size) + 1.0 / sd_u**2
        u_step = (np.bincount(ev.a_learner, weights=score, minlength=size) + u / sd_u**2) / u_hess
        scale = 1.0
        while scale > 1e-4:  # halve the step until the posterior improves
            trial = _objective(ev, pairs, lay, theta - scale * step, u - scale * u_step, sd_u)
            if trial <= current:
                break
            scale /= 2
        else:
            break
        theta, u = theta - scale * step, u - scale * u_step
        improved, current = current - trial, trial
        if improved < _TOL * max(1.0, abs(current)):
            break
    p, _, _ = _likelihood(ev, _eta(ev, pairs, lay, theta, u)[0])
    y = ev.a_correct
    loss = -float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    params = lay.params(theta, ev.skill_ids, fitted=True)
    return GainFit(params, iterations, loss, n, len(pairs.answer))


def predict(ev: Evidence, params: GainParams) -> np.ndarray:
    """P(right) per answer of ``ev`` for people the fit has not seen (offset zero)."""
    lay = _Layout(len(ev.skill_ids), params)
    pairs = _pairs(ev)
    theta = lay.theta(params, ev.skill_ids)
    eta, _ = _eta(ev, pairs, lay, theta, np.zeros(max(ev.n_learners, 1)))
    return _likelihood(ev, eta)[0]


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
