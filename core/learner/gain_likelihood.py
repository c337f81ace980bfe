"""The simulated likelihood that :mod:`~learnwire.core.learner.gain_sml` maximises, and its
exact gradient.

Each (person, skill) sequence is followed over fixed draws of its starting level; practice
adds credit along the practice curve, credit fades, and each answer weighs the draws by how
likely it was under each. The gradient is taken in reverse mode over the same steps: one
backward pass costs about two forward passes whatever the number of parameters, where
finite differences cost one pass per parameter (about 17 per iteration, which made the fit
the slowest part of the test suite).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .gain_params import FORMATS
from .gain_sequences import Sequences

#: The shared parameters, in the order of the vector the fit moves (per-skill answer
#: parameters come after them, one block each).
SHARED = (
    *(f"log_gain_{f}" for f in FORMATS),
    "log_zone",
    "peak",
    "duration_exponent",
    "readiness_exponent",
    "log_forget_rate",
    "start_bias",
    "log_start_sd",
    "difficulty_slope",
    "log_scale",
)
IX = {name: i for i, name in enumerate(SHARED)}
_CLIP = 1e-9


@dataclass
class _Step:
    """What the backward pass needs of one step: the credit after fading, per active row."""

    answered: np.ndarray
    practised: np.ndarray
    elapsed: np.ndarray  # per active row (answered, then practised)
    credit: np.ndarray  # after fading, per active row


@dataclass
class Tape:
    """One forward pass as :meth:`Likelihood.backward` replays it."""

    shared: np.ndarray
    per_skill: tuple[np.ndarray, np.ndarray, np.ndarray]  # threshold, guess and slip logits
    start: np.ndarray
    log_w: np.ndarray
    steps: list[_Step]


class Likelihood:
    """The sequences' log likelihood under one parameter vector, with the start integrated
    out over ``draws`` (standard normal quantiles)."""

    def __init__(self, seq: Sequences, draws: np.ndarray) -> None:
        self.seq, self.draws = seq, draws
        # Which sequences answer and which practise at each step: the same every pass.
        self.steps = [
            (np.nonzero(seq.kind[:, t] == 1)[0], np.nonzero(seq.kind[:, t] == 2)[0])
            for t in range(seq.kind.shape[1])
        ]
        # The parts of each practice's weight that no parameter touches.
        self.log_minutes = np.log(np.maximum(seq.minutes, 1.0) / 10.0)
        self.log_ready = np.log(np.maximum(seq.ready, 1e-3))

    def _start(self, shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sd = math.exp(shared[IX["log_start_sd"]])
        raw = self.seq.start[:, None] + shared[IX["start_bias"]] + sd * self.draws[None, :]
        return np.clip(raw, 0.0, 1.0), (raw > 0.0) & (raw < 1.0)

    def _weight(self, shared: np.ndarray, rows: np.ndarray, t: int) -> np.ndarray:
        """How much each practice row teaches before the zone and headroom."""
        s = self.seq
        return (
            np.exp(shared[s.fmt[rows, t]])  # the log gains lead SHARED, in FORMATS order
            * np.exp(shared[IX["duration_exponent"]] * self.log_minutes[rows, t])
            * np.exp(shared[IX["readiness_exponent"]] * self.log_ready[rows, t])
            * s.share[rows, t]
        )

    def forward(
        self,
        shared: np.ndarray,
        threshold: np.ndarray,
        guess_logit: np.ndarray,
        slip_logit: np.ndarray,
        record: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, Tape | None]:
        """Per sequence, the log likelihood of its answers; per (sequence, step), P(right)
        predicted from the answers before it (NaN where the step is not an answer); and,
        when ``record``, what :meth:`backward` needs. Per-skill arrays are indexed by skill."""
        s = self.seq
        zone, peak = math.exp(shared[IX["log_zone"]]), shared[IX["peak"]]
        forget = math.exp(shared[IX["log_forget_rate"]])
        slope, scale = shared[IX["difficulty_slope"]], math.exp(shared[IX["log_scale"]])
        bar0 = threshold[s.skill][:, None]
        guess = expit(guess_logit)[s.skill][:, None]
        slip = expit(slip_logit)[s.skill][:, None]
        start, _ = self._start(shared)
        credit = np.zeros_like(start)
        log_w = np.zeros_like(start)
        predicted = np.full(s.kind.shape, np.nan)
        previous = s.day[:, 0].copy()
        tape: list[_Step] = []
        for t, (answered, practised) in enumerate(self.steps):
            active = np.concatenate([answered, practised])
            elapsed = np.maximum(s.day[active, t] - previous[active], 0.0)
            previous[active] = s.day[active, t]
            credit[active] *= np.exp(-forget * elapsed)[:, None]
            if record:
                tape.append(_Step(answered, practised, elapsed, credit[active]))
            if len(answered):
                level = np.minimum(start[answered] + credit[answered], 1.0)
                bar = bar0[answered] + slope * (s.difficulty[answered, t] - 0.5)[:, None]
                knows = expit((level - bar) / scale)
                g, sl = guess[answered], slip[answered]
                p = np.clip(g + (1.0 - g - sl) * knows, _CLIP, 1.0 - _CLIP)
                lw = log_w[answered]
                w = np.exp(lw - lw.max(axis=1, keepdims=True))
                predicted[answered, t] = (w * p).sum(axis=1) / w.sum(axis=1)
                right = s.correct[answered, t][:, None] > 0
                log_w[answered] = lw + np.where(right, np.log(p), np.log1p(-p))
            if len(practised):
                level = np.minimum(start[practised] + credit[practised], 1.0)
                r = (s.difficulty[practised, t][:, None] - level - peak) / zone
                fit = np.exp(-(r**2) / 2)
                weight = self._weight(shared, practised, t)
                credit[practised] += weight[:, None] * fit * (1.0 - level)
        top = log_w.max(axis=1)
        ll = top + np.log(np.mean(np.exp(log_w - top[:, None]), axis=1))
        saved = None
        if record:
            saved = Tape(shared, (threshold, guess_logit, slip_logit), start, log_w, tape)
        return ll, predicted, saved

    def backward(self, tape: Tape) -> tuple[np.ndarray, np.ndarray]:
        """The gradient of the summed log likelihood: with respect to the shared
        parameters, and per sequence with respect to its own skill's threshold, guess logit
        and slip logit (columns 0, 1, 2)."""
        s, shared = self.seq, tape.shared
        zone, peak = math.exp(shared[IX["log_zone"]]), shared[IX["peak"]]
        forget = math.exp(shared[IX["log_forget_rate"]])
        slope, scale = shared[IX["difficulty_slope"]], math.exp(shared[IX["log_scale"]])
        threshold, guess_logit, slip_logit = tape.per_skill
        bar0 = threshold[s.skill][:, None]
        guess = expit(guess_logit)[s.skill][:, None]
        slip = expit(slip_logit)[s.skill][:, None]
        start = tape.start
        grad = np.zeros(len(SHARED))
        own = np.zeros((s.size, 3))
        # Answers only add to log_w, so its gradient is the draws' final posterior weights.
        w = np.exp(tape.log_w - tape.log_w.max(axis=1, keepdims=True))
        g_log_w = w / w.sum(axis=1, keepdims=True)
        g_credit = np.zeros_like(start)
        g_start = np.zeros_like(start)
        for t in range(len(tape.steps) - 1, -1, -1):
            step = tape.steps[t]
            answered, practised = step.answered, step.practised
            n_a = len(answered)
            faded = step.credit  # answered rows first, then practised
            if len(practised):
                c = faded[n_a:]
                raw = start[practised] + c
                level = np.minimum(raw, 1.0)
                below = raw < 1.0
                r = (s.difficulty[practised, t][:, None] - level - peak) / zone
                fit = np.exp(-(r**2) / 2)
                weight = self._weight(shared, practised, t)[:, None]
                g = g_credit[practised]  # d/d credit after this practice
                # credit' = credit + weight * fit(level) * (1 - level), level = start + credit
                through = weight * fit * (r / zone * (1.0 - level) - 1.0) * below
                g_start[practised] += g * through
                g_credit[practised] = g * (1.0 + through)
                added = g * weight * fit * (1.0 - level)  # per unit change of log weight
                g_weight = added.sum(axis=1)
                grad[: len(FORMATS)] += np.bincount(
                    s.fmt[practised, t], weights=g_weight, minlength=len(FORMATS)
                )
                grad[IX["duration_exponent"]] += g_weight @ self.log_minutes[practised, t]
                grad[IX["readiness_exponent"]] += g_weight @ self.log_ready[practised, t]
                grad[IX["log_zone"]] += float(np.sum(added * r**2))
                grad[IX["peak"]] += float(np.sum(added * r)) / zone
            if n_a:
                raw = start[answered] + faded[:n_a]
                level = np.minimum(raw, 1.0)
                below = raw < 1.0
                shift = (s.difficulty[answered, t] - 0.5)[:, None]
                u = (level - bar0[answered] - slope * shift) / scale
                knows = expit(u)
                gs, sl = guess[answered], slip[answered]
                p_raw = gs + (1.0 - gs - sl) * knows
                inside = (p_raw > _CLIP) & (p_raw < 1.0 - _CLIP)
                p = np.clip(p_raw, _CLIP, 1.0 - _CLIP)
                right = s.correct[answered, t][:, None] > 0
                g_p = g_log_w[answered] * np.where(right, 1.0 / p, -1.0 / (1.0 - p)) * inside
                g_u = g_p * (1.0 - gs - sl) * knows * (1.0 - knows)
                g_level = g_u / scale * below
                g_credit[answered] += g_level
                g_start[answered] += g_level
                g_bar = -g_u / scale
                own[answered, 0] += g_bar.sum(axis=1)
                grad[IX["difficulty_slope"]] += float(np.sum(g_bar * shift))
                grad[IX["log_scale"]] += float(np.sum(-g_u * u))
                own[answered, 1] += (g_p * (1.0 - knows)).sum(axis=1) * (gs * (1.0 - gs))[:, 0]
                own[answered, 2] += (g_p * -knows).sum(axis=1) * (sl * (1.0 - sl))[:, 0]
            # credit after fading = credit before * exp(-forget * elapsed)
            active = np.concatenate([answered, practised])
            g = g_credit[active]
            grad[IX["log_forget_rate"]] -= float(
                np.sum(g * faded * (forget * step.elapsed)[:, None])
            )
            g_credit[active] = g * np.exp(-forget * step.elapsed)[:, None]
        _, inside_start = self._start(shared)
        g_start = g_start * inside_start
        sd = math.exp(shared[IX["log_start_sd"]])
        grad[IX["start_bias"]] += float(g_start.sum())
        grad[IX["log_start_sd"]] += float(np.sum(g_start * sd * self.draws[None, :]))
        return grad, own


def expit(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))
