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
PRIOR_SD`); Adam on finite-difference gradients (the likelihood separates by skill, so
each skill's answer parameters are perturbed together). Only the practice curve is served;
the fitted answer model is reported beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .gain_fit import Evidence, subset
from .gain_params import DEFAULT_GAIN, FORMATS, PRIOR_SD, GainParams
from .gain_sequences import Sequences, sequences
from .level import ELO_SCALE

#: Fewer answers than this leave the priors standing.
MIN_ANSWERS = 200
#: Draws of each (person, skill)'s start: stratified normal quantiles, the same every call.
DRAWS = 32
_ITERATIONS, _RATE, _STEP = 300, 0.05, 1e-3
#: Stop once the log posterior has gained less than this share of itself (or 0.05) over the
#: last _PATIENCE iterations.
_TOL, _PATIENCE = 2e-5, 20
#: Priors of the answer model and the start (level units, logits for guess and slip).
START_BIAS_SD, START_SD, START_SD_LOG_SD = 0.1, 0.15, 0.5
THRESHOLD_SD, DIFFICULTY_SLOPE_SD, SCALE_LOG_SD, RATE_LOGIT_SD = 0.15, 0.3, 1.0, 1.0

_SHARED = (
    *(f"log_gain_{f}" for f in FORMATS),
    "log_zone",
    "duration_exponent",
    "readiness_exponent",
    "log_forget_rate",
    "start_bias",
    "log_start_sd",
    "difficulty_slope",
    "log_scale",
)
_IX = {name: i for i, name in enumerate(_SHARED)}


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
        gains = np.log(prior.practice_gain * prior.formats())
        mean[: len(FORMATS)] = gains
        sd[: len(FORMATS)] = math.hypot(PRIOR_SD["log_practice_gain"], PRIOR_SD["log_format_gain"])
        for name, m, s in (
            ("log_zone", math.log(prior.zone), PRIOR_SD["log_zone"]),
            ("duration_exponent", prior.duration_exponent, PRIOR_SD["duration_exponent"]),
            ("readiness_exponent", prior.readiness_exponent, PRIOR_SD["readiness_exponent"]),
            ("log_forget_rate", math.log(prior.forget_rate), PRIOR_SD["log_forget_rate"]),
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
        self.practised = np.bincount(seq.fmt[seq.kind == 2], minlength=len(FORMATS)) > 0
        # Which sequences answer and which practise at each step: the same every pass.
        self.steps = [
            (np.nonzero(seq.kind[:, t] == 1)[0], np.nonzero(seq.kind[:, t] == 2)[0])
            for t in range(seq.kind.shape[1])
        ]
        self.draws = np.array([NormalDist().inv_cdf((i + 0.5) / DRAWS) for i in range(DRAWS)])

    def log_prior(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The shared parameters' log prior, and each skill's (summed over its blocks)."""
        z = (theta - self.mean) / self.sd
        shared = -0.5 * float(np.sum(z[: len(_SHARED)] ** 2))
        per_skill = -0.5 * np.sum([z[b] ** 2 for b in self.blocks], axis=0)
        return shared, per_skill

    def forward(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sequence, the log likelihood of its answers with the start integrated out;
        and per (sequence, step), P(right) predicted before that answer from the answers
        before it (NaN where the step is not an answer)."""
        s, th = self.seq, theta
        gain = np.exp(th[: len(FORMATS)])
        zone = math.exp(th[_IX["log_zone"]])
        duration, readiness = th[_IX["duration_exponent"]], th[_IX["readiness_exponent"]]
        forget = math.exp(th[_IX["log_forget_rate"]])
        slope, scale = th[_IX["difficulty_slope"]], math.exp(th[_IX["log_scale"]])
        threshold = th[self.blocks[0]][s.skill][:, None]
        guess = _expit(th[self.blocks[1]])[s.skill][:, None]
        slip = _expit(th[self.blocks[2]])[s.skill][:, None]
        start_sd = math.exp(th[_IX["log_start_sd"]])
        start = np.clip(
            s.start[:, None] + th[_IX["start_bias"]] + start_sd * self.draws[None, :], 0.0, 1.0
        )
        credit = np.zeros_like(start)
        log_w = np.zeros_like(start)
        predicted = np.full(s.kind.shape, np.nan)
        previous = s.day[:, 0].copy()
        for t, (answered, practised) in enumerate(self.steps):
            active = np.concatenate([answered, practised])
            elapsed = np.maximum(s.day[active, t] - previous[active], 0.0)
            previous[active] = s.day[active, t]
            credit[active] *= np.exp(-forget * elapsed)[:, None]
            if len(answered):
                level = np.minimum(start[answered] + credit[answered], 1.0)
                bar = threshold[answered] + slope * (s.difficulty[answered, t] - 0.5)[:, None]
                knows = _expit((level - bar) / scale)
                g, sl = guess[answered], slip[answered]
                p = np.clip(g + (1.0 - g - sl) * knows, 1e-9, 1.0 - 1e-9)
                lw = log_w[answered]
                w = np.exp(lw - lw.max(axis=1, keepdims=True))
                predicted[answered, t] = (w * p).sum(axis=1) / w.sum(axis=1)
                right = s.correct[answered, t][:, None] > 0
                log_w[answered] = lw + np.where(right, np.log(p), np.log1p(-p))
            if len(practised):
                level = np.minimum(start[practised] + credit[practised], 1.0)
                fit = np.exp(
                    -(((s.difficulty[practised, t][:, None] - level - 0.05) / zone) ** 2) / 2
                )
                scale_item = (
                    gain[s.fmt[practised, t]]
                    * (np.maximum(s.minutes[practised, t], 1.0) / 10.0) ** duration
                    * np.maximum(s.ready[practised, t], 1e-3) ** readiness
                    * s.share[practised, t]
                )
                credit[practised] += scale_item[:, None] * fit * (1.0 - level)
        top = log_w.max(axis=1)
        return top + np.log(np.mean(np.exp(log_w - top[:, None]), axis=1)), predicted

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The log posterior, and each skill's part of it (likelihood and prior)."""
        ll, _ = self.forward(theta)
        shared, own = self.log_prior(theta)
        per_skill = np.bincount(self.seq.skill, weights=ll, minlength=self.n_skills) + own
        return float(per_skill.sum() + shared), per_skill

    def gradient(self, theta: np.ndarray, here: tuple[float, np.ndarray]) -> np.ndarray:
        """Forward differences from ``here`` (the objective at ``theta``, which the caller
        already has): half the passes of central ones, and Adam takes the noise."""
        value, per_skill = here
        # A format nobody practised moves nothing but its prior.
        grad = -(theta - self.mean) / self.sd**2
        for i in range(len(_SHARED)):
            if i < len(FORMATS) and not self.practised[i]:
                continue
            e = np.zeros_like(theta)
            e[i] = _STEP
            grad[i] = (self.objective(theta + e)[0] - value) / _STEP
        for block in self.blocks:  # separable: each skill's block moves only its own part
            e = np.zeros_like(theta)
            e[block] = _STEP
            grad[block] = (self.objective(theta + e)[1] - per_skill) / _STEP
        return grad

    def params(self, theta: np.ndarray, prior: GainParams) -> GainParams:
        gains = np.exp(theta[: len(FORMATS)])
        base = float(gains[FORMATS.index("video")])
        return GainParams(
            practice_gain=base,
            format_gain={f: float(g / base) for f, g in zip(FORMATS, gains, strict=True)},
            skill_gain=dict(prior.skill_gain),
            zone=math.exp(theta[_IX["log_zone"]]),
            duration_exponent=float(theta[_IX["duration_exponent"]]),
            readiness_exponent=float(theta[_IX["readiness_exponent"]]),
            forget_rate=math.exp(theta[_IX["log_forget_rate"]]),
            fitted=True,
        )

    def answer_model(self, theta: np.ndarray) -> AnswerModel:
        return AnswerModel(
            threshold=theta[self.blocks[0]].copy(),
            difficulty_slope=float(theta[_IX["difficulty_slope"]]),
            scale=math.exp(theta[_IX["log_scale"]]),
            guess=_expit(theta[self.blocks[1]]),
            slip=_expit(theta[self.blocks[2]]),
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
    current = model.objective(theta)
    history = [current[0]]
    done = 0
    for step in range(1, iterations + 1):
        done = step
        grad = model.gradient(theta, current)
        moment = 0.9 * moment + 0.1 * grad
        square = 0.999 * square + 0.001 * grad * grad
        m_hat = moment / (1 - 0.9**step)
        v_hat = square / (1 - 0.999**step)
        theta = theta + _RATE * m_hat / (np.sqrt(v_hat) + 1e-8)
        current = model.objective(theta)
        history.append(current[0])
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
    theta[: len(FORMATS)] = np.log(params.practice_gain * params.formats())
    theta[_IX["log_zone"]] = math.log(params.zone)
    theta[_IX["duration_exponent"]] = params.duration_exponent
    theta[_IX["readiness_exponent"]] = params.readiness_exponent
    theta[_IX["log_forget_rate"]] = math.log(params.forget_rate)
    predicted = model.forward(theta)[1]
    mask = seq.kind == 1
    who = np.broadcast_to(seq.learner[:, None], seq.kind.shape)[mask]
    return predicted[mask], seq.correct[mask], who


def _log_loss_of(predicted: np.ndarray, seq: Sequences) -> float:
    mask = seq.kind == 1
    p = np.clip(predicted[mask], 1e-9, 1 - 1e-9)
    y = seq.correct[mask]
    return -float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) if len(y) else math.nan


def _expit(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))
