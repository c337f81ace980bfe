"""What the ranker knows about one learner, as arrays over the skill graph.

Built only from the policy layer's governed view for the purpose being served, so a family
the policy withholds (opt-out, purpose, retention) simply leaves its fields empty and is
listed in ``blocked``; every signal reading it then contributes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np

from . import level
from .gain_params import GainModel


def phi_pdf(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def phi_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF, vectorised (Abramowitz & Stegun 7.1.26, error < 1.5e-7)."""
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-x * x)
    return 0.5 * (1.0 + np.sign(z) * erf)


#: The share of a normal's sd left once answers say only that the level lies above a
#: threshold at its mean: the sd of a half-normal, sqrt(1 - 2/pi) (see LearnerState.level_sd).
HALF_NORMAL_SHARE = math.sqrt(1.0 - 2.0 / math.pi)


@dataclass(frozen=True)
class Situation:
    """An upcoming work situation from the calendar: kind, start and length only."""

    kind: str
    starts_at: datetime
    minutes: float


#: Stands for an array field not given: ``__post_init__`` replaces it with the prior, sized
#: to the skill graph and formats (a dataclass cannot size a default from other fields).
_UNSET = np.empty(0, np.float32)


def _unset() -> np.ndarray:
    return _UNSET


@dataclass
class LearnerState:
    learner_id: UUID
    n_skills: int
    n_formats: int
    timezone: str = "UTC"
    role_id: str | None = None
    role_name: str | None = None
    #: Estimated level per skill on the job profile's 0..1 scale (see learner.level); what
    #: gaps, difficulty calibration and prerequisites compare against.
    mastery: np.ndarray = field(default_factory=_unset)
    #: BKT's P(mastered) per skill as assessed; the population prior without evidence. The
    #: model carries it as log-odds (``known_logit``), which long runs cannot saturate.
    p_known: np.ndarray = field(default_factory=_unset)
    known_logit: np.ndarray = field(default_factory=_unset)
    #: P(the next answer on the skill is right): the logistic knowledge-tracing model's
    #: prediction when one is fitted, BKT's otherwise (see learner.recall).
    p_correct: np.ndarray = field(default_factory=_unset)
    #: The fitted logistic model that gave ``p_correct`` (None: BKT's prediction) and the
    #: person's practice history it reads, so later answers fold in at O(1) each.
    answer_model: Any = None
    answer_history: Any = None
    #: Memory per skill (FSRS, see learner.memory): stability in days (0 = never practised)
    #: and when the last review began (POSIX days, NaN = never).
    memory_stability: np.ndarray = field(default_factory=_unset)
    memory_review_at: np.ndarray = field(default_factory=_unset)
    #: Whether the estimate rests on the learner's own assessment evidence.
    mastery_known: np.ndarray = field(default_factory=_unset)
    #: How much evidence the level rests on (answers count 1, finished items less).
    evidence: np.ndarray = field(default_factory=_unset)
    #: Level credited by the practice curve that no answer has confirmed since: the part of
    #: the estimate that rests on the model's assumptions about this person's pace.
    unverified: np.ndarray = field(default_factory=_unset)
    #: Level credited by the practice curve in all (at the person's pace as estimated then),
    #: and the person's estimated pace (log, multiplies the practice curve) with the
    #: precision of that estimate: see :func:`learnwire.core.learner.level.pace_update`.
    practised: np.ndarray = field(default_factory=_unset)
    log_pace: float = 0.0
    pace_precision: float = 0.0
    #: The practice curve's parameters as fitted for the organisation (documented defaults
    #: before any fit): what practice credit and the ranker's expected progress read.
    gain: GainModel = field(default_factory=lambda: GainModel.default(0))
    #: Required level per skill from the job profile (0 = not required) and its weight.
    target: np.ndarray = field(default_factory=_unset)
    target_weight: np.ndarray = field(default_factory=_unset)
    #: Skill index -> the required skill it is a prerequisite of, for skills the role does
    #: not name itself but that stand in the way of one it does.
    prerequisite_for: dict[int, int] = field(default_factory=dict)
    #: Goal weight per skill (development items, career interests, stated goals, ...).
    goals: np.ndarray = field(default_factory=_unset)
    #: Short phrase naming the goal's origin per skill index, e.g. "your development plan".
    goal_origin: dict[int, str] = field(default_factory=dict)
    #: Team's mean gap per skill (only when the team is at least k people), and priorities.
    team_gap: np.ndarray = field(default_factory=_unset)
    manager_priority: np.ndarray = field(default_factory=_unset)
    situations: list[Situation] = field(default_factory=list)
    #: The next 90 days' likely gaps (:mod:`learnwire.core.learner.forecast`).
    forecast: list[Any] = field(default_factory=list)
    #: Smoothed completion ratio per content format, and per (format, part of day).
    format_pref: np.ndarray = field(default_factory=_unset)
    format_daypart: np.ndarray = field(default_factory=_unset)
    #: Typical session length in minutes and activity rhythm (sums to 1) in local time.
    session_minutes: float = 10.0
    hour_rhythm: np.ndarray = field(default_factory=_unset)
    weekday_rhythm: np.ndarray = field(default_factory=_unset)
    #: item index -> when the learner last completed it.
    done_items: dict[int, datetime] = field(default_factory=dict)
    #: item index -> weight of positive engagement (completed, passed, saved).
    engaged_items: dict[int, float] = field(default_factory=dict)
    #: Days since each skill was last practised (inf = never), and recent-practice weight.
    days_since_practice: np.ndarray = field(default_factory=_unset)
    recent_practice: np.ndarray = field(default_factory=_unset)
    #: Explicit feedback: item index -> latest verdict, skill and format adjustments.
    item_feedback: dict[int, str] = field(default_factory=dict)
    skill_feedback: np.ndarray = field(default_factory=_unset)
    format_feedback: np.ndarray = field(default_factory=_unset)
    more_like: list[int] = field(default_factory=list)
    #: Per skill, 0..1: how strongly the learner said items on it are not relevant to their
    #: work now (micro-surveys), fading over weeks; the pedagogy damps such items.
    skill_irrelevance: np.ndarray = field(default_factory=_unset)
    #: Learner-stated priorities per skill (from the feedback UI), 0..1.
    stated_priority: np.ndarray = field(default_factory=_unset)
    #: Signal family -> why the policy withheld it for this purpose.
    blocked: dict[str, str] = field(default_factory=dict)
    #: gap, level_sd and weighted_need, memoised on the arrays they read (one ranking asks
    #: for them a dozen times, and callers may update the arrays in place between rankings).
    _derived: dict[str, tuple[bytes, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        s, f = self.n_skills, self.n_formats
        defaults = {
            "mastery": np.full(s, 0.3, np.float32),
            "p_known": np.full(s, 0.3, np.float32),
            "known_logit": np.full(s, math.log(0.3 / 0.7)),
            "p_correct": np.full(s, 0.5, np.float32),
            "memory_stability": np.zeros(s, np.float32),
            "memory_review_at": np.full(s, np.nan),
            "mastery_known": np.zeros(s, bool),
            "evidence": np.zeros(s, np.float32),
            "unverified": np.zeros(s, np.float32),
            "practised": np.zeros(s, np.float32),
            "target": np.zeros(s, np.float32),
            "target_weight": np.zeros(s, np.float32),
            "goals": np.zeros(s, np.float32),
            "team_gap": np.zeros(s, np.float32),
            "manager_priority": np.zeros(s, np.float32),
            "format_pref": np.full(f, 0.5, np.float32),
            "format_daypart": np.full((f, 4), 0.5, np.float32),
            "hour_rhythm": np.full(24, 1 / 24, np.float32),
            "weekday_rhythm": np.full(7, 1 / 7, np.float32),
            "days_since_practice": np.full(s, np.inf, np.float32),
            "recent_practice": np.zeros(s, np.float32),
            "skill_feedback": np.zeros(s, np.float32),
            "format_feedback": np.zeros(f, np.float32),
            "skill_irrelevance": np.zeros(s, np.float32),
            "stated_priority": np.zeros(s, np.float32),
        }
        for name, value in defaults.items():
            if getattr(self, name) is _UNSET:
                setattr(self, name, value)
        if len(self.gain.skill_gain) != s:
            self.gain = GainModel.default(s)
        if self.pace_precision <= 0.0:
            self.pace_precision = 1.0 / level.PACE_PRIOR_SD**2

    def fade(self, days: np.ndarray | float, skills: list[int] | None = None) -> None:
        """``days`` (one per skill in ``skills``, default all, or one for all) pass without
        practice: practice credit fades at the fitted forgetting rate, the level with it."""
        at = slice(None) if skills is None else skills
        lost = self.practised[at] * (1.0 - self.gain.decay(days))
        self.mastery[at] = np.clip(self.mastery[at] - lost, 0.0, 1.0)
        self.practised[at] = self.practised[at] - lost
        self.unverified[at] = np.maximum(self.unverified[at] - lost, 0.0)

    def _memo(
        self, name: str, inputs: tuple[np.ndarray, ...], compute: Callable[[], Any]
    ) -> np.ndarray:
        key = b"".join(a.tobytes() for a in inputs)
        hit = self._derived.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = np.asarray(compute(), np.float32)
        value.flags.writeable = False  # shared between callers: nobody may change it
        self._derived[name] = (key, value)
        return value

    @property
    def level_sd(self) -> np.ndarray:
        """Uncertainty of the level estimate: before any evidence, how far the organisation's
        answers show starting levels to be off (the fitted ``start_sd``; a stated default
        before a fit), narrowing with evidence, but never below what answers can tell: above
        where a skill's answers switch from wrong to right they cannot tell levels apart, so
        at best they cut the starting spread to the part above that switch. With the switch
        at the estimate itself that is a half-normal, whose sd is 0.60 of the spread."""
        start_sd = float(self.gain.params.start_sd)
        return self._memo(
            "level_sd",
            (self.evidence, np.array([start_sd])),
            lambda: np.maximum(
                HALF_NORMAL_SHARE * start_sd, start_sd / np.sqrt(1.0 + self.evidence / 4.0)
            ),
        )

    @property
    def gap(self) -> np.ndarray:
        """Expected shortfall below the required level, where the role requires the skill.

        The level is uncertain, so a skill estimated just at its target still shows a
        small gap until the evidence is firm; otherwise an over-estimate would end
        practice of a skill the person has not actually reached.
        """

        def compute() -> np.ndarray:
            sd = self.level_sd
            z = (self.target - self.mastery) / sd
            shortfall = (self.target - self.mastery) * phi_cdf(z) + sd * phi_pdf(z)
            return np.clip(shortfall, 0, 1) * (self.target > 0)

        return self._memo("gap", (self.target, self.mastery, self.level_sd), compute)

    def weighted_need(self) -> np.ndarray:
        """What matters now per skill: role gaps weighted by importance, goals, team needs
        and the learner's own stated priorities (read-only; copy it to change it)."""

        def compute() -> np.ndarray:
            need = self.gap * np.maximum(self.target_weight, 0.1)
            need = need + 0.6 * self.goals * np.clip(1 - self.mastery, 0, 1)
            need = need + 0.3 * (self.team_gap + self.manager_priority)
            return need + 0.5 * self.stated_priority

        inputs = (
            self.target,
            self.mastery,
            self.level_sd,
            self.target_weight,
            self.goals,
            self.team_gap,
            self.manager_priority,
            self.stated_priority,
        )
        return self._memo("weighted_need", inputs, compute)
