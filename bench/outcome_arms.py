"""Who chooses the next item in the outcome benchmark, and the sessions every arm shares.

Every arm gets the same sessions: the person's usual number per week, each their usual
length. A session starts with the arm's first choice whatever its length (an item longer
than the session runs on into the following sessions' time); after it, the person takes the
arm's next choice only if it fits the minutes left, otherwise the session ends. Arms:

- ``learnwire``: the top recommendation (that fits the time left) of the deployed ranker,
  which sees only its governed view at the start and the simulated statements after.
- ``segmentation``: same role, same list: the role's required skills' items, easiest first.
- ``adaptive``: pre-tests each required skill (four questions, a minute each, at the item
  difficulty 0.8), skips the skills passed (3 or more right), works down the segmentation
  list on the rest and re-tests them after each pass.
- ``random``: a random item on the role's required skills.
- ``oracle``: knows latent mastery and the world's learning function and greedily takes the
  item with the most progress towards the targets per minute. Greedy, so a strong reference
  rather than a proven optimum.
- ``learnwire_told``: a reference, not a product: the same deployed ranker, told the latent
  levels before every choice instead of its own estimates (its practice curve is still the
  fitted one). It splits learnwire's distance to the oracle into what the learner model does
  not know and what the ranker chooses.
- ``informed`` (:mod:`outcome_informed`): a reference, not a product: the exact posterior over
  the person's levels from what a deployment sees, rolled forward with the world's own
  learning function, choosing like the oracle under it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from outcome_worlds import World

from learnwire.core.learner import recall
from learnwire.core.learner.build import RECENT_DAYS
from learnwire.core.learner.replay import observe_answer, observe_item
from learnwire.plugins.demo import simulation
from learnwire.plugins.demo.catalogue import LibraryItem, library
from learnwire.plugins.demo.taxonomy import PREREQUISITE_LEVEL, SKILL_INDEX, SKILLS

ARMS_DOC = __doc__ or ""
PRETEST_QUESTIONS = 4
PRETEST_PASS = 3
PRETEST_DIFFICULTY = 0.8


#: Where an arm's minutes went, judged against latent truth at the moment of each choice.
TIME_USES = (
    "short",  # a required skill still below its target
    "reached",  # a required skill already at its target
    "prerequisite",  # a prerequisite of a required skill still below its target
    "other",  # anything else (a skill the role does not ask for, the adaptive pre-test)
)


@dataclass
class Outcome:
    days: float
    reached: bool
    #: Minutes per use in :data:`TIME_USES`.
    minutes: dict[str, float] = field(default_factory=dict)
    #: Minutes spent while the arm's own model counted every requirement as reached and at
    #: least one was not (only arms with a model say what it believes).
    minutes_believed_done: float = 0.0


@dataclass
class Learner:
    """The simulated person: latent truth the arms (except the oracle) never read."""

    profile: object
    latent: np.ndarray
    world: World
    rng: np.random.Generator
    floor: np.ndarray = field(init=False)
    #: Completions per item (activity id): some worlds teach a repeat less.
    done: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.floor = 0.5 * self.latent

    @property
    def requirements(self) -> list[tuple[int, float, float]]:
        return self.profile.requirements()  # type: ignore[attr-defined]

    def reached(self) -> bool:
        return all(self.latent[s] >= t for s, t, _ in self.requirements)

    def do(self, entry: LibraryItem) -> list[bool]:
        answers = (
            simulation.respond(self.rng, self.latent, entry, entry.questions)
            if entry.questions
            else []
        )
        before = self.done.get(entry.activity_id, 0)
        self.world.learn(self.latent, entry, self.profile.learn_rate, before)  # type: ignore[attr-defined]
        self.done[entry.activity_id] = before + 1
        return answers


#: pick(learner, day, minutes_left, fresh) -> item or None (None: nothing fits, end session)
Pick = Callable[[Learner, float, float, bool], LibraryItem | None]
#: observe(learner, entry, answers, day) -> None (what the arm learns from a session)
Observe = Callable[[Learner, LibraryItem, list[bool], float], None]


def time_use(learner: Learner, entry: LibraryItem) -> str:
    """Which of :data:`TIME_USES` doing ``entry`` now is, by its main skill."""
    if not entry.skills:
        return "other"
    skill = entry.skills[0]
    short = {s for s, t, _ in learner.requirements if learner.latent[s] < t}
    required = {s for s, _, _ in learner.requirements}
    if skill in required:
        return "short" if skill in short else "reached"
    if any(SKILL_INDEX[p] == skill for s in short for p in SKILLS[s].requires):
        return "prerequisite"
    return "other"


def follow(
    learner: Learner,
    pick: Pick,
    observe: Observe | None,
    horizon_days: float,
    believes_done: Callable[[], bool] | None = None,
) -> Outcome:
    """Run sessions until every required level is reached or the horizon passes.

    ``believes_done``, when the arm has a model of the person, says whether that model
    counts every requirement as reached; the minutes it spends so while one is not are
    counted apart (time the model cannot see it is wasting)."""
    minutes_by: dict[str, float] = dict.fromkeys(TIME_USES, 0.0)
    blind = [0.0]

    def done(days: float, reached: bool) -> Outcome:
        return Outcome(days, reached, minutes_by, blind[0])

    profile = learner.profile
    per_week = max(1e-6, profile.sessions_per_week)  # type: ignore[attr-defined]
    gap = 7.0 / per_week
    session = float(profile.session_minutes)  # type: ignore[attr-defined]
    day = 0.0
    while day <= horizon_days:
        if learner.reached():
            return done(day, True)
        left, fresh, practised, spent = session, True, set(), 0.0
        while left > 0:
            entry = pick(learner, day, left, fresh)
            if entry is None:
                break
            minutes = float(entry.item.duration_minutes)
            minutes_by[time_use(learner, entry)] += minutes
            if believes_done is not None and believes_done():
                blind[0] += minutes
            answers = learner.do(entry)
            practised.update(entry.skills)
            if observe is not None:
                observe(learner, entry, answers, day)
            spent += minutes
            left -= minutes
            fresh = False
            if learner.reached():
                return done(day + gap * spent / session, True)
        elapsed = gap * max(1.0, spent / session)
        learner.world.forget(learner.latent, learner.floor, practised, elapsed)
        day += elapsed
    return done(horizon_days, False)


def _fits(entry: LibraryItem, left: float, fresh: bool) -> bool:
    return fresh or entry.item.duration_minutes <= left


def role_items(profile) -> list[LibraryItem]:  # type: ignore[no-untyped-def]
    """Same role, same list: items on the role's required skills, easiest first."""
    required = {s for s, _, _ in profile.requirements()}
    items = [e for e in library() if e.skills[0] in required]
    return sorted(items, key=lambda e: (e.item.difficulty, e.item.external_id))


def segmentation() -> Pick:
    position = [0]

    def pick(learner, day, left, fresh):  # type: ignore[no-untyped-def]
        items = role_items(learner.profile)
        entry = items[position[0] % len(items)]
        if not _fits(entry, left, fresh):
            return None
        position[0] += 1  # the list starts again from the top when it runs out
        return entry

    return pick


def random_in_role(rng: np.random.Generator) -> Pick:
    def pick(learner, day, left, fresh):  # type: ignore[no-untyped-def]
        items = [e for e in role_items(learner.profile) if _fits(e, left, fresh)]
        return items[int(rng.integers(len(items)))] if items else None

    return pick


def adaptive() -> Pick:
    """Pre-test, skip what the person already shows, re-test after each pass."""
    todo: list[LibraryItem] = []
    tested = [False]

    def pretest(learner: Learner) -> float:
        passed = set()
        for skill, _, _ in learner.requirements:
            p = simulation.p_correct(float(learner.latent[skill]), skill, PRETEST_DIFFICULTY)
            right = int((learner.rng.random(PRETEST_QUESTIONS) < p).sum())
            if right >= PRETEST_PASS:
                passed.add(skill)
        todo[:] = [e for e in role_items(learner.profile) if e.skills[0] not in passed]
        return float(PRETEST_QUESTIONS * len(learner.requirements))  # a minute a question

    def pick(learner, day, left, fresh):  # type: ignore[no-untyped-def]
        if not todo:
            if tested[0] and not fresh:
                return None
            minutes = pretest(learner)
            tested[0] = True
            if not todo:  # passed everything it can test: keep practising the role's list
                todo[:] = role_items(learner.profile)
            return _PretestTime(minutes)  # type: ignore[return-value]
        if not _fits(todo[0], left, fresh):
            return None
        return todo.pop(0)

    return pick


class _PretestTime:
    """The pre-test as a pseudo item: it takes time and teaches nothing."""

    def __init__(self, minutes: float) -> None:
        self.activity_id = ""  # nothing to repeat: it teaches nothing
        self.skills: tuple[int, ...] = ()
        self.weights: tuple[float, ...] = ()
        self.questions = 0
        self.item = type("Item", (), {"duration_minutes": minutes, "difficulty": 0.0})()


def oracle() -> Pick:
    lib = library()

    def value(learner: Learner, after: np.ndarray) -> float:
        total = 0.0
        for s, target, w in learner.requirements:
            before = float(learner.latent[s])
            total += w * (min(after[s], target) - min(before, target))
            for p in SKILLS[s].requires:
                pi = SKILL_INDEX[p]
                total += (
                    0.5
                    * w
                    * (
                        min(after[pi], PREREQUISITE_LEVEL)
                        - min(learner.latent[pi], PREREQUISITE_LEVEL)
                    )
                )
        return total

    def pick(learner, day, left, fresh):  # type: ignore[no-untyped-def]
        rate = learner.profile.learn_rate
        best, best_value = None, 0.0
        for entry in lib:
            if not _fits(entry, left, fresh):
                continue
            before = learner.done.get(entry.activity_id, 0)
            after = learner.world.preview(learner.latent, entry, rate, before)
            v = value(learner, after) / entry.item.duration_minutes
            if v > best_value:
                best, best_value = entry, v
        return best

    return pick


class LearnwireArm:
    """The deployed ranker, fed only statements; its state advances with simulated time."""

    def __init__(self, model, state, start: datetime, told: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.model, self.state, self.start, self.told = model, state, start, told
        self.by_activity = {e.activity_id: e for e in library()}
        self.tax_index = {s: i for i, s in enumerate(model.items.skills.ids)}
        # The simulation's skill k is the model's skill j: (k..., j...) for the told arm.
        pairs = [
            (k, self.tax_index[sk.id]) for k, sk in enumerate(SKILLS) if sk.id in self.tax_index
        ]
        self.sim_skills = np.array([k for k, _ in pairs], np.int64)
        self.model_skills = np.array([j for _, j in pairs], np.int64)
        self.last_day = 0.0

    def pick(self, learner, day, left, fresh):  # type: ignore[no-untyped-def]
        self.advance(day)
        estimate = self.state.mastery
        if self.told:
            self.state.mastery = self._latent(learner)
        try:
            ranking = self.model.ranker.rank(self.state, self.start + timedelta(days=day), limit=10)
        finally:
            self.state.mastery = estimate
        for rec in ranking.recommendations:
            i = self.model.items.position[rec.content_id]
            entry = self.by_activity.get(self.model.items.activity_ids[i] or "")
            if entry is not None and _fits(entry, left, fresh):
                return entry
        return None

    def _latent(self, learner: Learner) -> np.ndarray:
        """The model's level array with every skill the simulation knows set to the truth."""
        levels = self.state.mastery.copy()
        levels[self.model_skills] = learner.latent[self.sim_skills]
        return levels

    def believes_done(self) -> bool:
        """Whether the learner model counts every level the role asks for as reached."""
        s = self.state
        required = s.target > 0
        required[list(s.prerequisite_for)] = False  # added on the way, not the role's own
        return bool(np.all(s.mastery[required] >= s.target[required]))

    def observe(self, learner, entry, answers, day) -> None:  # type: ignore[no-untyped-def]
        model, state = self.model, self.state
        at = self.start + timedelta(days=day)
        i = model.items.by_activity.get(entry.activity_id)
        if i is not None:
            state.done_items[i] = at
            state.engaged_items[i] = state.engaged_items.get(i, 0) + 1
        main = self.tax_index.get(SKILLS[entry.skills[0]].id)
        if main is not None:
            for ok in answers:
                params = model.org.params[main]
                observe_answer(state, main, params, ok, entry.item.difficulty)
                recall.observe_answer(state, model.items.skills.ids[main], main, params, ok, at)
        if i is not None:
            observe_item(state, model.items, model.org, i, assessed=bool(answers))
        for skill_ix in entry.skills:
            s = self.tax_index.get(SKILLS[skill_ix].id)
            if s is not None:
                state.days_since_practice[s] = 0.0
                state.recent_practice[s] = 1.0

    def advance(self, day: float) -> None:
        """Time passes for the practice-recency signals as the deployment computes them,
        and unconfirmed practice credit fades at the fitted forgetting rate."""
        dt = day - self.last_day
        if dt > 0:
            self.state.fade(dt)
            days = self.state.days_since_practice + dt
            self.state.days_since_practice = days.astype(np.float32)
            self.state.recent_practice = np.where(days <= RECENT_DAYS, np.exp(-days / 3), 0).astype(
                np.float32
            )
            self.last_day = day
