"""Fitting the practice curve with each person's starting level integrated out.

The fit this replaced read the learner model's starting level of each (person, skill) as
exact and its answer model (logistic scale ``ELO_SCALE``, calibrated difficulty, BKT's guess
and slip) as given. Where an organisation's answers switch from
wrong to right within a few hundredths of a level, a start that is off by a tenth (the
typical error before any evidence) is several widths of that switch, and the fit then reads
practice as having carried people across it: gains come out several times too large,
offset by fast forgetting (docs/outcomes.md measures it). This fit treats what the data
cannot pin down as unknown:

- each (person, skill)'s starting level is the learner model's start plus a shared bias and
  a normal error with a fitted sd, integrated out by Monte Carlo over fixed draws (simulated
  maximum likelihood; Train 2009, *Discrete Choice Methods with Simulation*, ch. 10);
- answers follow the skill's own guess and slip around a logistic in (level - threshold) /
  scale, where each skill's threshold, guess and slip, the shared scale and the shared
  dependence on labelled difficulty are fitted with the curve (priors: the calibration's
  effective difficulty, BKT's guess and slip, ``ELO_SCALE``);
- practice moves each draw's level by the practice curve at that draw's level (zone and
  headroom read the draw, not the model's estimate), and the credit fades at the fitted
  forgetting rate.

Maximum a posteriori with the documented priors (:data:`~learnwire.core.learner.gain_params.
PRIOR_SD`); Adam on the exact gradient (:mod:`~learnwire.core.learner.gain_likelihood`).
Only the practice curve is served; the fitted answer model is reported beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .gain_fit import Evidence, log_loss, subset
from .gain_likelihood import IX as _IX
from .gain_likelihood import SHARED as _SHARED
from .gain_likelihood import Likelihood, expit
from .gain_params import DEFAULT_GAIN, FORMATS, PRIOR_SD, START_SD, GainParams
from .gain_sequences import Sequences, sequences
from .level import ELO_SCALE

#: Fewer answers than this leave the priors standing.
MIN_ANSWERS = 200
#: Draws of each (person, skill)'s start: stratified normal quantiles, the same every call.
DRAWS = 32
_ITERATIONS, _RATE = 300, 0.05
#: Stop once the log posterior has gained less than this share of itself (or 0.05) over the
#: last _PATIENCE iterations.
_TOL, _PATIENCE = 2e-5, 20
#: Priors of the answer model and the start (level units, logits for guess and slip).
START_BIAS_SD, START_SD_LOG_SD = 0.1, 0.5
THRESHOLD_SD, DIFFICULTY_SLOPE_SD, SCALE_LOG_SD, RATE_LOGIT_SD = 0.15, 0.3, 1.0, 1.0


@dataclass(frozen=True)
class AnswerModel:
    """What the fit found about the answers (reported, not served)."""

    threshold: np.ndarray  # per skill, the level answered right half the time (before
    # guess and slip) for an item of labelled difficulty 0.5
    difficulty_slope: float
    scale: float
    guess: np.ndarray
    slip: np.ndarray
    start_bias: float
    start_sd: float


class _Model:
    """Parameter layout, priors and the simulated likelihood for one set of sequences."""

    def __init__(self, seq: Sequences, n_skills: int, prior: GainParams, ev: Evidence) -> None:
        self.seq, self.n_skills = seq, n_skills
        k = len(_SHARED)
        self.blocks = [slice(k + j * n_skills, k + (j + 1) * n_skills) for j in range(3)]
        size = k + 3 * n_skills
        mean, sd = np.zeros(size), np.ones(size)
        _set_curve(mean, prior)
        sd[: len(FORMATS)] = math.hypot(PRIOR_SD["log_practice_gain"], PRIOR_SD["log_format_gain"])
        for name in _CURVE:
            sd[_IX[name]] = PRIOR_SD[name]
        for name, m, s in (
            ("start_bias", 0.0, START_BIAS_SD),
            ("log_start_sd", math.log(START_SD), START_SD_LOG_SD),
            ("difficulty_slope", 0.0, DIFFICULTY_SLOPE_SD),
            ("log_scale", math.log(ELO_SCALE), SCALE_LOG_SD),
        ):
            mean[_IX[name]], sd[_IX[name]] = m, s
        # Per skill, centred on what the deployment already has: the calibration's
        # effective difficulty (from each answer's offset) and BKT's guess and slip.
        effective = ev.a_start - ev.a_offset * ELO_SCALE
        for block, values, spread, transform in (
            (0, effective, THRESHOLD_SD, lambda v: v),
            (1, ev.a_guess, RATE_LOGIT_SD, _logit),
            (2, ev.a_slip, RATE_LOGIT_SD, _logit),
        ):
            total = np.bincount(ev.a_skill, weights=values, minlength=n_skills)
            count = np.bincount(ev.a_skill, minlength=n_skills)
            fallback = {0: 0.5, 1: 0.2, 2: 0.1}[block]
            centre = np.where(count > 0, total / np.maximum(count, 1), fallback)
            mean[self.blocks[block]] = transform(np.clip(centre, 0.01, 0.99) if block else centre)
            sd[self.blocks[block]] = spread
        self.mean, self.sd = mean, sd
        draws = np.array([NormalDist().inv_cdf((i + 0.5) / DRAWS) for i in range(DRAWS)])
        self.likelihood = Likelihood(seq, draws)

    def _split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        threshold, guess, slip = (theta[b] for b in self.blocks)
        return theta[: len(_SHARED)], threshold, guess, slip

    def forward(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sequence, the log likelihood of its answers with the start integrated out;
        and per (sequence, step), P(right) predicted before that answer from the answers
        before it (NaN where the step is not an answer)."""
        ll, predicted, _ = self.likelihood.forward(*self._split(theta))
        return ll, predicted

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The log posterior and its gradient."""
        ll, _, tape = self.likelihood.forward(*self._split(theta), record=True)
        assert tape is not None
        shared, own = self.likelihood.backward(tape)
        grad = -(theta - self.mean) / self.sd**2
        grad[: len(_SHARED)] += shared
        for j, block in enumerate(self.blocks):  # each skill's parameters see its own rows
            grad[block] += np.bincount(self.seq.skill, weights=own[:, j], minlength=self.n_skills)
        z = (theta - self.mean) / self.sd
        return float(ll.sum() - 0.5 * np.sum(z**2)), grad

    def params(self, theta: np.ndarray, prior: GainParams) -> GainParams:
        gains = np.exp(theta[: len(FORMATS)])
        base = float(gains[FORMATS.index("video")])
        return GainParams(
            practice_gain=base,
            format_gain={f: float(g / base) for f, g in zip(FORMATS, gains, strict=True)},
            skill_gain=dict(prior.skill_gain),
            zone=math.exp(theta[_IX["log_zone"]]),
            peak=float(theta[_IX["peak"]]),
            duration_exponent=float(theta[_IX["duration_exponent"]]),
            readiness_exponent=float(theta[_IX["readiness_exponent"]]),
            forget_rate=math.exp(theta[_IX["log_forget_rate"]]),
            start_sd=math.exp(theta[_IX["log_start_sd"]]),
            fitted=True,
        )

    def answer_model(self, theta: np.ndarray) -> AnswerModel:
        return AnswerModel(
            threshold=theta[self.blocks[0]].copy(),
            difficulty_slope=float(theta[_IX["difficulty_slope"]]),
            scale=math.exp(theta[_IX["log_scale"]]),
            guess=expit(theta[self.blocks[1]]),
            slip=expit(theta[self.blocks[2]]),
            start_bias=float(theta[_IX["start_bias"]]),
            start_sd=math.exp(theta[_IX["log_start_sd"]]),
        )


@dataclass(frozen=True)
class SmlFit:
    params: GainParams
    answers_model: AnswerModel | None
    theta: np.ndarray | None
    iterations: int
    log_loss: float  # per answer fitted on, one step ahead, at the fitted parameters
    answers: int
    sequences: int


def fit(
    ev: Evidence,
    prior: GainParams = DEFAULT_GAIN,
    learners: np.ndarray | None = None,
    iterations: int = _ITERATIONS,
    start: SmlFit | None = None,
) -> SmlFit:
    """The posterior mode of the practice curve (and the answer model beside it) given
    ``ev`` (only the people where ``learners`` is True, when given), starting the search
    from the priors or from ``start``'s mode (a fit of most of the same evidence)."""
    if learners is not None:
        ev = subset(ev, learners)
    n_answers = len(ev.a_day)
    seq = sequences(ev)
    if n_answers < MIN_ANSWERS or not (seq.kind == 2).any():
        return SmlFit(prior, None, None, 0, math.nan, n_answers, seq.size)
    model = _Model(seq, len(ev.skill_ids), prior, ev)
    theta = model.mean.copy()
    if start is not None and start.theta is not None and len(start.theta) == len(theta):
        theta = start.theta.copy()
    moment, square = np.zeros_like(theta), np.zeros_like(theta)
    value, grad = model.objective(theta)
    history = [value]
    done = 0
    for step in range(1, iterations + 1):
        done = step
        moment = 0.9 * moment + 0.1 * grad
        square = 0.999 * square + 0.001 * grad * grad
        m_hat = moment / (1 - 0.9**step)
        v_hat = square / (1 - 0.999**step)
        theta = theta + _RATE * m_hat / (np.sqrt(v_hat) + 1e-8)
        value, grad = model.objective(theta)
        history.append(value)
        gained = history[-1] - history[-1 - _PATIENCE] if step > _PATIENCE else math.inf
        if gained < max(0.05, _TOL * abs(history[-1])):
            break
    predicted = model.forward(theta)[1]
    return SmlFit(
        model.params(theta, prior),
        model.answer_model(theta),
        theta,
        done,
        _log_loss_of(predicted, seq),
        n_answers,
        seq.size,
    )


def predict(
    ev: Evidence, fitted: SmlFit, params: GainParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step ahead P(right) for every answer of ``ev`` (people the fit has not seen),
    with ``params`` as the practice curve and the fitted answer model and start spread;
    returns the predictions, the answers they predict and whose answers they are."""
    seq = sequences(ev)
    if fitted.theta is None or seq.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, np.int64)
    model = _Model(seq, len(ev.skill_ids), params, ev)
    theta = fitted.theta.copy()
    _set_curve(theta, params)
    predicted = model.forward(theta)[1]
    mask = seq.kind == 1
    who = np.broadcast_to(seq.learner[:, None], seq.kind.shape)[mask]
    return predicted[mask], seq.correct[mask], who


#: The curve's parameters other than the format gains, each fitted on the scale its prior
#: sd is stated on (PRIOR_SD).
_CURVE = ("log_zone", "peak", "duration_exponent", "readiness_exponent", "log_forget_rate")


def _set_curve(theta: np.ndarray, params: GainParams) -> None:
    """Write ``params``' practice curve into ``theta``'s shared block, in place."""
    theta[: len(FORMATS)] = np.log(params.practice_gain * params.formats())
    theta[_IX["log_zone"]] = math.log(params.zone)
    theta[_IX["peak"]] = params.peak
    theta[_IX["duration_exponent"]] = params.duration_exponent
    theta[_IX["readiness_exponent"]] = params.readiness_exponent
    theta[_IX["log_forget_rate"]] = math.log(params.forget_rate)


def _log_loss_of(predicted: np.ndarray, seq: Sequences) -> float:
    mask = seq.kind == 1
    return log_loss(predicted[mask], seq.correct[mask]) if mask.any() else math.nan


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))
