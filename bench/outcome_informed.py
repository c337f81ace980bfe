"""A reference arm: the best any product could estimate, from what a deployment sees.

``informed`` is not a product. It knows what no deployment can know: the simulated world's
learning function and forgetting, the sample organisation's answer model (each skill's
threshold, guess and slip) and the generator's prior over a person's starting levels and
pace given their role and tenure. It sees only what a deployment sees of the person: the
90 days of history before today (the items, how much of each was done, the answers) and,
while followed, each item done and its answers. From that it keeps the Bayesian posterior
over the person's levels and pace (a particle filter: :class:`Posterior`) and chooses like
the oracle, greedily by the expected progress towards the targets per minute, the
expectation taken over that posterior.

So the oracle's lead over ``informed`` is what no estimate can recover from these
observations (the oracle reads latent truth), and ``informed``'s lead over learnwire is
the most a better learner model could still gain, with the world's own curve. Greedy, like
the oracle: a reference, not a proven bound.

Particles start from the generator's own draw (``learners._mastery`` with a fresh random
state per particle, ability from its prior), replay the history's practice with the
sample organisation's learning function and are weighted by each answer's likelihood.
When the effective sample falls below half, they are resampled (systematic) and jittered
a little (``JITTER`` on levels, ``RATE_JITTER`` on log pace), since the dynamics are
deterministic and duplicates would otherwise stay identical forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from outcome_worlds import _PASSIVE_FIRST, WORLD_INDEX, World, _length

from learnwire.plugins.demo import history, simulation
from learnwire.plugins.demo.catalogue import LibraryItem, library
from learnwire.plugins.demo.learners import _mastery
from learnwire.plugins.demo.roles import PROFILES
from learnwire.plugins.demo.taxonomy import PREREQUISITE_LEVEL, SKILL_INDEX, SKILLS

PARTICLES = 500
JITTER = 0.005
RATE_JITTER = 0.02
_PREREQS = [tuple(SKILL_INDEX[r] for r in s.requires) for s in SKILLS]

#: gain(levels [particles x skills], entry, skill, weight, completion) -> [particles]
VectorGain = Callable[[np.ndarray, LibraryItem, int, float, float], np.ndarray]


def readiness(levels: np.ndarray, skill: int) -> np.ndarray:
    """:func:`simulation.readiness` for every particle."""
    ready = np.ones(len(levels))
    for p in _PREREQS[skill]:
        ready = np.minimum(ready, levels[:, p] / PREREQUISITE_LEVEL)
    return np.clip(ready, 0.25, 1.0)


def _zone(difficulty: float, level: np.ndarray, peak: float, width: float) -> np.ndarray:
    return np.exp(-(((difficulty - level - peak) / width) ** 2) / 2.0)


def _current(levels, entry, skill, weight, completion):  # type: ignore[no-untyped-def]
    fit = _zone(entry.item.difficulty, levels[:, skill], 0.05, 0.22)
    base = simulation.BASE_GAIN[entry.format] * weight * completion
    return base * fit * _length(entry) * readiness(levels, skill)


def _passive_first(levels, entry, skill, weight, completion):  # type: ignore[no-untyped-def]
    fit = _zone(entry.item.difficulty, levels[:, skill], 0.05, 0.22)
    return _PASSIVE_FIRST[entry.format] * weight * fit * _length(entry) * readiness(levels, skill)


def _difficulty_flat(levels, entry, skill, weight, completion):  # type: ignore[no-untyped-def]
    base = simulation.BASE_GAIN[entry.format] * weight * 0.6
    return base * _length(entry) * readiness(levels, skill)


def _stretch(levels, entry, skill, weight, completion):  # type: ignore[no-untyped-def]
    fit = _zone(entry.item.difficulty, levels[:, skill], 0.30, 0.22)
    base = simulation.BASE_GAIN[entry.format] * weight
    return base * fit * _length(entry) * readiness(levels, skill)


def _additive(levels, entry, skill, weight, completion):  # type: ignore[no-untyped-def]
    m = levels[:, skill]
    d = entry.item.difficulty
    window = np.where((m - 0.1 <= d) & (d <= m + 0.35), 1.0, 0.3)
    minutes = min(entry.item.duration_minutes, 15.0)
    ready = np.where(readiness(levels, skill) >= 0.8, 1.0, 0.4)
    return 0.0035 * minutes * weight * window * ready


#: Each world's learning function over particles; ``tests/bench`` checks every one against
#: the world's own (scalar) function, so they cannot drift apart.
VECTOR_GAINS: dict[str, VectorGain] = {
    "current": _current,
    "passive_first": _passive_first,
    "difficulty_flat": _difficulty_flat,
    "stretch": _stretch,
    "forgetting": _current,
    "forgetting_2x": _current,
    "additive": _additive,
}


def p_correct(levels: np.ndarray, skill: int, difficulty: float) -> np.ndarray:
    """:func:`simulation.p_correct` for every particle."""
    threshold = simulation.THRESHOLD[skill] + 0.2 * (difficulty - 0.5)
    z = np.clip(-(levels[:, skill] - threshold) / simulation._STEEPNESS, -500, 500)
    knows = 1.0 / (1.0 + np.exp(z))
    guess, slip = simulation.GUESS[skill], simulation.SLIP[skill]
    return guess + (1.0 - guess - slip) * knows


@dataclass(frozen=True)
class HistoryEvent:
    entry: LibraryItem
    completion: float
    answers: tuple[bool, ...]


def history_events(seed: int, profile, today) -> list[HistoryEvent]:  # type: ignore[no-untyped-def]
    """The practice and answers of the person's history, in order, as a deployment saw them
    (the item, how much of it was done, the answers)."""
    events: list[HistoryEvent] = []
    pending: list[tuple[LibraryItem, tuple[bool, ...]]] = []
    real_learn, real_respond = simulation.learn, simulation.respond

    def respond(rng, mastery, entry, questions):  # type: ignore[no-untyped-def]
        answers = real_respond(rng, mastery, entry, questions)
        pending[:] = [(entry, tuple(answers))]
        return answers

    def learn(mastery, entry, completion, learn_rate):  # type: ignore[no-untyped-def]
        # A session outside the window drew answers but taught nothing: only answers drawn
        # for this very item count.
        answers = pending[0][1] if pending and pending[0][0] is entry else ()
        pending.clear()
        events.append(HistoryEvent(entry, completion, answers))
        real_learn(mastery, entry, completion, learn_rate)

    simulation.learn, simulation.respond = learn, respond  # type: ignore[assignment]
    try:
        history.learner_history(seed, profile, today)
    finally:
        simulation.learn, simulation.respond = real_learn, real_respond  # type: ignore[assignment]
    return events


class Posterior:
    """Particles over one person's levels (all skills) and pace, with their weights."""

    def __init__(self, profile, seed: int, particles: int = PARTICLES) -> None:  # type: ignore[no-untyped-def]
        spec = PROFILES[profile.profile]
        rng = np.random.default_rng([seed, 17, profile.person])
        self.rng = rng
        ability = rng.normal(size=particles)
        self.levels = np.stack(
            [
                _mastery(rng, spec.requirements, spec.family, profile.tenure_days / 365, a)
                for a in ability
            ]
        )
        self.rate = np.exp(0.3 * ability + rng.normal(0, 0.15, particles))
        self.log_w = np.zeros(particles)

    def answer(self, entry: LibraryItem, answers: tuple[bool, ...] | list[bool]) -> None:
        if not answers:
            return
        p = np.clip(p_correct(self.levels, entry.skills[0], entry.item.difficulty), 1e-9, 1)
        right = sum(answers)
        wrong = len(answers) - right
        self.log_w += right * np.log(p) + wrong * np.log1p(-np.minimum(p, 1 - 1e-9))
        self._maybe_resample()

    def after(self, entry: LibraryItem, gain: VectorGain, additive: bool, completion: float
              ) -> dict[int, np.ndarray]:  # fmt: skip
        """Per skill of ``entry``, every particle's level after doing ``completion`` of it, as
        the world applies it (:meth:`World.learn`, or :func:`simulation.learn` for the
        history). Every gain is computed before any is applied, as :func:`simulation.learn`
        does; :meth:`World.learn` applies them in turn, which comes to the same: an item's
        second skill is its main skill's prerequisite, whose gain never reads the main skill."""
        out = {}
        for s, w in zip(entry.skills, entry.weights, strict=True):
            g = np.minimum(0.5, self.rate * gain(self.levels, entry, s, w, completion))
            m = self.levels[:, s]
            out[s] = np.minimum(1.0, m + g) if additive else m + g * (1.0 - m)
        return out

    def practise(self, entry: LibraryItem, gain: VectorGain, additive: bool, completion: float
                 ) -> None:  # fmt: skip
        """:meth:`after`, in place."""
        for s, level in self.after(entry, gain, additive, completion).items():
            self.levels[:, s] = level

    def forget(self, world: World, floor: np.ndarray, practised: set[int], days: float) -> None:
        """:meth:`World.forget` on every particle (skills by particles, through views)."""
        world.forget(self.levels.T, floor.T, practised, days)

    def weights(self) -> np.ndarray:
        w = np.exp(self.log_w - self.log_w.max())
        return w / w.sum()

    def _maybe_resample(self) -> None:
        w = self.weights()
        if 1.0 / float(np.sum(w**2)) >= 0.5 * len(w):
            return
        n = len(w)
        positions = (self.rng.random() + np.arange(n)) / n
        pick = np.minimum(np.searchsorted(np.cumsum(w), positions), n - 1)
        self.levels = np.clip(
            self.levels[pick] + self.rng.normal(0, JITTER, self.levels.shape), 0.0, 1.0
        )
        self.rate = self.rate[pick] * np.exp(self.rng.normal(0, RATE_JITTER, n))
        self.log_w = np.zeros(n)


class InformedArm:
    """Chooses by expected progress per minute under the :class:`Posterior`."""

    def __init__(  # type: ignore[no-untyped-def]
        self, learner, seed: int, today, particles: int = PARTICLES, curve: str | None = None
    ) -> None:
        """``curve``: the world whose learning function the arm believes (default: the
        learner's own world; ``"current"`` splits knowing the world's curve from knowing
        the levels)."""
        profile = learner.profile
        believed = WORLD_INDEX[curve] if curve else learner.world
        if believed.name not in VECTOR_GAINS:
            raise ValueError(f"the informed reference has no learning function for {believed.name}")
        self.world = believed
        self.gain = VECTOR_GAINS[believed.name]
        self.post = Posterior(profile, seed, particles)
        for event in history_events(seed, profile, today):
            self.post.answer(event.entry, event.answers)
            self.post.practise(event.entry, VECTOR_GAINS["current"], False, event.completion)
        # The world forgets towards half of where each particle starts being followed, as it
        # does for the person (``Learner.floor``).
        self.floor = 0.5 * self.post.levels
        self.terms = _value_terms(profile)
        self.items = [e for e in library() if any(s in self.terms for s in e.skills)]
        self.practised: set[int] = set()
        self.last_day = 0.0

    def pick(self, learner, day, left, fresh):  # type: ignore[no-untyped-def]
        if day > self.last_day:
            self.post.forget(self.world, self.floor, self.practised, day - self.last_day)
            self.practised.clear()
            self.last_day = day
        w = self.post.weights()
        best, best_value = None, 0.0
        for entry in self.items:
            if not (fresh or entry.item.duration_minutes <= left):
                continue
            v = float(self._progress(entry) @ w) / entry.item.duration_minutes
            if v > best_value:
                best, best_value = entry, v
        return best

    def _progress(self, entry: LibraryItem) -> np.ndarray:
        """Per particle, the oracle's value of doing ``entry`` (:func:`outcome_arms.oracle`)."""
        levels = self.post.levels
        after = self.post.after(entry, self.gain, self.world.additive, 1.0)
        total = np.zeros(len(levels))
        for s, new in after.items():
            for cap, coef in self.terms.get(s, ()):
                total += coef * (np.minimum(new, cap) - np.minimum(levels[:, s], cap))
        return total

    def observe(self, learner, entry, answers, day) -> None:  # type: ignore[no-untyped-def]
        self.post.answer(entry, answers)
        self.post.practise(entry, self.gain, self.world.additive, 1.0)
        self.practised.update(entry.skills)


def _value_terms(profile) -> dict[int, list[tuple[float, float]]]:  # type: ignore[no-untyped-def]
    """Per skill, the (cap, coefficient) terms of the oracle's value: a required skill up to
    its target at its weight, a prerequisite of one up to the prerequisite level at half."""
    terms: dict[int, list[tuple[float, float]]] = {}
    for s, target, w in profile.requirements():
        terms.setdefault(s, []).append((target, w))
        for p in SKILLS[s].requires:
            terms.setdefault(SKILL_INDEX[p], []).append((PREREQUISITE_LEVEL, 0.5 * w))
    return terms
