"""Bayesian Knowledge Tracing: per-skill mastery with EM-fitted parameters.

Conventions used throughout:

* ``p_mastery`` is P(skill known) *at the next opportunity*, i.e. after the learn/forget
  transition that follows the last observed response. A fresh learner starts at ``prior``.
* Mastery is carried as log-odds (:func:`logit_update`, constant time, plain float
  arithmetic), so mastery is current as soon as a statement arrives and stays exact however
  long the run; :func:`posterior_update` is the same step on the probability scale for
  callers that only hold a probability. The batch pass (:mod:`bkt_fit`) works in log-odds
  too, and both give the same predictions on any sequence.
* Fitting (:mod:`learnwire.core.learner.bkt_train`: ``fit``, ``fit_arrays``, ``fit_skill``)
  runs Baum-Welch on every sequence of every skill at once (see
  :mod:`learnwire.core.learner.bkt_fit`). Skills with
  fewer than ``min_sequences`` learner sequences or ``min_responses`` responses are not fitted:
  they get the population default (the per-parameter median of the fitted skills, or
  :data:`DEFAULT_PARAMS` when none could be fitted) and are listed in ``BKTModel.defaulted``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import bkt_fit as _f
from . import bkt_pack


@dataclass(frozen=True, slots=True)
class BKTParams:
    """BKT parameters of one skill.

    ``prior`` P(known) before the first opportunity; ``learn`` P(unknown -> known) and
    ``forget`` P(known -> unknown) between opportunities; ``guess`` P(correct | unknown);
    ``slip`` P(incorrect | known). ``guess + slip < 1`` so a correct answer always raises
    mastery; both must be > 0 so no response is impossible.

    ``difficulty_offset`` and ``difficulty_slope`` are not BKT's: they say where answers on
    the skill switch from wrong to right on the level scale, given an item's labelled
    difficulty (:func:`learnwire.core.learner.level.effective_difficulty`), as fitted by
    :mod:`learnwire.core.learner.calibration`; 0 and 1 take the label as it is.
    """

    prior: float
    learn: float
    guess: float
    slip: float
    forget: float = 0.0
    difficulty_offset: float = 0.0
    difficulty_slope: float = 1.0

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "forget"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not (0.0 < self.guess < 1.0 and 0.0 < self.slip < 1.0):
            raise ValueError("guess and slip must be in (0, 1)")
        if self.guess + self.slip >= 1.0:
            raise ValueError("guess + slip must be < 1 (otherwise mastery is not identifiable)")

    def as_array(self) -> np.ndarray:
        """The parameters in the column order of :mod:`bkt_fit`."""
        return np.array([self.prior, self.learn, self.guess, self.slip, self.forget])

    @classmethod
    def from_array(cls, row: Sequence[float]) -> BKTParams:
        r = [float(x) for x in row]
        return cls(prior=r[0], learn=r[1], guess=r[2], slip=r[3], forget=r[4])


#: Default cap on fitted guess and slip: just under the standard BKT ceiling of 0.5, beyond
#: which a learner who knows the skill would be likelier to fail than one who does not.
MAX_GUESS_SLIP = 0.49
#: Used for defaulted skills when no skill had enough data to be fitted (conventional values).
DEFAULT_PARAMS = BKTParams(prior=0.4, learn=0.1, guess=0.2, slip=0.1)
# EM starting point; restarts beyond the first draw around it (see _inits).
_INIT = BKTParams(prior=0.5, learn=0.1, guess=0.2, slip=0.1, forget=0.05)


def _log(value: float) -> float:
    return math.log(value) if value > 0.0 else -math.inf


def _logaddexp(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow; either may be -inf."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


def logit(p: float) -> float:
    """Log-odds of ``p`` (+-inf at 1 and 0)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p) - math.log1p(-p)


def sigmoid(x: float) -> float:
    """Inverse of :func:`logit`, without overflow for any ``x``."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def predict_from_logit(x_mastery: float, params: BKTParams) -> float:
    """P(next response is correct) for a learner whose mastery has log-odds ``x_mastery``."""
    p = sigmoid(x_mastery)
    return p * (1.0 - params.slip) + sigmoid(-x_mastery) * params.guess


def logit_update(x_mastery: float, correct: bool | int, params: BKTParams) -> float:
    """Fold one response into mastery held as log-odds; O(1), exact for any sequence length.

    Bayes' rule adds the log likelihood ratio of the response; the learn/forget transition
    maps the odds ``r`` to ``((1 - F) r + L) / (F r + 1 - L)``, evaluated as two log-sum-exps.
    On the probability scale, 60 right answers round mastery to exactly 1.0, from which no
    number of wrong answers brings it back (and without forgetting nothing else would); the
    log-odds keep every answer's weight.
    """
    if correct:
        x = x_mastery + _log(1.0 - params.slip) - _log(params.guess)
    else:
        x = x_mastery + _log(params.slip) - _log(1.0 - params.guess)
    return logit_transition(x, params)


def logit_transition(x_mastery: float, params: BKTParams) -> float:
    """The learn/forget step alone, on log-odds: an opportunity whose answer nobody saw."""
    x = x_mastery
    if math.isinf(x):  # certain before the transition (only if the input was)
        if x > 0:
            return _log(1.0 - params.forget) - _log(params.forget)
        return _log(params.learn) - _log(1.0 - params.learn)
    known = _logaddexp(x + _log(1.0 - params.forget), _log(params.learn))
    return known - _logaddexp(x + _log(params.forget), _log(1.0 - params.learn))


def predict_correct(p_mastery: float, params: BKTParams) -> float:
    """P(next response is correct) for a learner with mastery ``p_mastery``."""
    return p_mastery * (1.0 - params.slip) + (1.0 - p_mastery) * params.guess


def posterior_update(p_mastery: float, correct: bool | int, params: BKTParams) -> float:
    """Fold one response into mastery: P(known at the next opportunity | response).

    Computed through :func:`logit_update`. A probability cannot hold mastery beyond
    1 - 1e-16, so a caller that replays long runs keeps the log-odds instead (the service
    does: see :mod:`learnwire.core.learner.mastery`).
    """
    return sigmoid(logit_update(logit(p_mastery), correct, params))


#: Short alias used by the issue: ``update(p_mastery, correct, params)``.
update = posterior_update


@dataclass(frozen=True)
class BKTModel:
    """Fitted BKT parameters for a set of skills.

    ``params`` holds every skill seen while fitting (defaulted ones included); skills never
    seen fall back to ``default``. ``n_sequences``/``n_responses``/``loglik`` describe the
    training data per skill (``loglik`` is NaN for defaulted skills). ``iterations`` counts
    EM iterations of the slowest skill, summed over restarts.
    """

    params: dict[Hashable, BKTParams]
    default: BKTParams
    defaulted: frozenset[Hashable] = frozenset()
    forget: bool = False
    n_sequences: dict[Hashable, int] = field(default_factory=dict)
    n_responses: dict[Hashable, int] = field(default_factory=dict)
    loglik: dict[Hashable, float] = field(default_factory=dict)
    iterations: int = 0

    def params_for(self, skill: Hashable) -> BKTParams:
        """Parameters of ``skill``, or the population default if it was never seen."""
        return self.params.get(skill, self.default)

    def predict_sequence(self, skill: Hashable, responses: Iterable[bool | int]) -> list[float]:
        """One-step-ahead P(correct) before each response of one learner on ``skill``."""
        p = self.params_for(skill)
        x, out = logit(p.prior), []
        for correct in responses:
            out.append(predict_from_logit(x, p))
            x = logit_update(x, correct, p)
        return out

    def mastery_after(
        self, skill: Hashable, responses: Iterable[bool | int], p_mastery: float | None = None
    ) -> float:
        """Mastery at the next opportunity after ``responses`` (starting from the prior)."""
        p = self.params_for(skill)
        x = logit(p.prior if p_mastery is None else p_mastery)
        for correct in responses:
            x = logit_update(x, correct, p)
        return sigmoid(x)

    def predict_events(
        self, students: Sequence[Hashable], skills: Sequence[Hashable], correct: Sequence[int]
    ) -> np.ndarray:
        """Vectorised :meth:`predict_sequence` over an event log in chronological order.

        Each (student, skill) pair starts at the skill's prior; returns P(correct) before each
        event, aligned with the input.
        """
        if len(correct) == 0:
            return np.empty(0)
        st_code, _ = _factorize(students)
        sk_code, labels = _factorize(skills)
        table = np.array([self.params_for(s).as_array() for s in labels]).reshape(-1, 5)
        seq_id, seq_skill = _sequences(st_code, sk_code, len(labels))
        return _f.predict_correct(bkt_pack.pack(seq_id, seq_skill, np.asarray(correct)), table)


def _factorize(values: Sequence[Hashable] | np.ndarray) -> tuple[np.ndarray, list[Hashable]]:
    """Integer codes and labels; numpy's sort-based path when possible, else a dict."""
    arr = values if isinstance(values, np.ndarray) else None
    if arr is not None and arr.dtype.kind in "iub":
        labels, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.int64), labels.tolist()
    seen: dict[Hashable, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int64)
    return codes, list(seen)


def _sequences(st_code: np.ndarray, sk_code: np.ndarray, n_skills: int):
    """Sequence id per event (one sequence per student and skill) and skill per sequence."""
    keys, seq_id = np.unique(st_code * max(n_skills, 1) + sk_code, return_inverse=True)
    return seq_id.ravel(), keys % max(n_skills, 1)
