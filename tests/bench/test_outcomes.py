"""The outcome benchmark runs at a toy size, so it cannot rot, and its sessions respect time."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import outcomes
from outcome_arms import ARMS_DOC, TIME_USES, Learner, follow, time_use
from outcome_worlds import WORLD_INDEX, WORLDS

from learnwire.plugins.demo.catalogue import library
from learnwire.plugins.demo.learners import latent_profile
from learnwire.plugins.demo.organisation import build_organisation
from learnwire.plugins.demo.taxonomy import SKILLS


def test_outcomes_runs_every_world_and_arm_at_toy_size(runtime):
    worlds = (WORLD_INDEX["current"], WORLD_INDEX["additive"])
    result = outcomes.evaluate(
        runtime, seed=5, learners=50, sample=2, weeks=6, worlds=worlds, warm_people=12
    )
    assert result.learners >= 1
    assert set(result.days) == {(w.name, a) for w in worlds for a in outcomes.ARMS}
    assert all(0 <= d <= 6 * 7 for d in result.days.values())
    # learnwire's practice curve was fitted in each world from the warm-up cohort's answers.
    assert set(result.fits) == {w.name for w in worlds}
    assert all(f["answers"] > 0 and f["practice"] > 0 for f in result.fits.values())
    # Every arm's minutes are accounted for, once each, by what they were spent on.
    for (_, arm), shares in result.time.items():
        uses = sum(shares[u] for u in TIME_USES)
        assert uses == pytest.approx(1.0) or uses == 0.0, (arm, shares)
        assert 0.0 <= shares["believed_done"] <= 1.0
    lines = outcomes.report([result, result], worlds)
    text = "\n".join(lines)
    assert "curve fit:" in text
    assert "minutes on (% of the arm's minutes" in text and "while its model counted" in text
    assert "current [USED FOR TUNING]" in text and "additive [held out]" in text
    assert "held-out worlds (the figure to quote)" in text
    assert "informed vs segmentation % fewer days" in text
    assert "references on the same worlds" in text and "informed       vs segmentation" in text
    # A run of some arms only (--arms) reports what it ran and nothing it did not.
    two = ("learnwire", "segmentation")
    some = dataclasses.replace(
        result,
        days={k: v for k, v in result.days.items() if k[1] in two},
        reached={k: v for k, v in result.reached.items() if k[1] in two},
        time={k: v for k, v in result.time.items() if k[1] in two},
    )
    lines = outcomes.report([some, some], worlds)
    text = "\n".join(lines)
    assert "learnwire vs segmentation" in text and "held-out worlds (the figure to quote)" in text
    assert "learnwire vs adaptive" not in text and "references on the same worlds" not in text
    assert not [x for x in lines if x.split()[:1] in (["informed"], ["adaptive"], ["oracle"])]


def test_outcomes_only_the_current_world_is_marked_as_tuned():
    assert [w.name for w in WORLDS if w.tuned] == ["current"]
    assert {"passive_first", "difficulty_flat", "stretch", "forgetting_2x", "additive"} <= {
        w.name for w in WORLDS
    }
    assert "oracle" in ARMS_DOC and "adaptive" in ARMS_DOC


def test_outcomes_session_takes_a_second_item_only_if_it_fits_the_time_left():
    profile = latent_profile(build_organisation(3, 50), 0)
    minutes = profile.session_minutes
    items = sorted(library(), key=lambda e: e.item.duration_minutes)
    short, long_ = items[0], items[-1]
    assert (
        short.item.duration_minutes
        < minutes
        < short.item.duration_minutes + long_.item.duration_minutes
    )
    offered: list[tuple[float, bool, str]] = []

    def pick(learner, day, left, fresh):
        offered.append((left, fresh, "short" if fresh else "long"))
        if fresh:
            return short
        return long_ if long_.item.duration_minutes <= left else None

    learner = Learner(profile, np.zeros(len(profile.mastery)), WORLD_INDEX["current"],
                      np.random.default_rng(0))  # fmt: skip
    outcome = follow(learner, pick, None, horizon_days=20)
    assert not outcome.reached
    # Every session: one short item, then the long one is offered the time left and refused.
    assert offered[0] == (minutes, True, "short")
    assert offered[1][0] == minutes - short.item.duration_minutes and not offered[1][1]
    assert len(offered) % 2 == 0 and all(f for _, f, _ in offered[::2])


def test_outcomes_command_prints_its_figures(run_bench, tmp_path):
    # The script as a user runs it (its own embedded PostgreSQL per seed), at toy size.
    out = run_bench(
        "outcomes.py",
        *("--learners", "50", "--sample", "2", "--weeks", "4", "--seeds", "5"),
        *("--worlds", "current", "additive", "--data-dir", str(tmp_path)),
    )
    assert "up to 4 weeks per learner" in out, out
    assert "current [USED FOR TUNING]" in out and "additive [held out]" in out, out
    assert "held-out worlds (the figure to quote)" in out, out


def test_outcomes_time_use_judges_an_item_by_latent_truth_at_the_moment():
    profile = latent_profile(build_organisation(3, 50), 0)
    (skill, target, _), *_ = profile.requirements()
    on_skill = next(e for e in library() if e.skills[0] == skill)
    latent = np.zeros(len(profile.mastery))
    learner = Learner(profile, latent, WORLD_INDEX["current"], np.random.default_rng(0))
    assert time_use(learner, on_skill) == "short"
    learner.latent[skill] = target
    assert time_use(learner, on_skill) == "reached"
    required = {s for s, _, _ in profile.requirements()}
    elsewhere = next(
        e for e in library()
        if e.skills[0] not in required
        and not any(e.skills[0] in _prereqs(s) for s in required)
    )  # fmt: skip
    assert time_use(learner, elsewhere) == "other"


def _prereqs(skill: int) -> set[int]:
    from learnwire.plugins.demo.taxonomy import SKILL_INDEX, SKILLS

    return {SKILL_INDEX[p] for p in SKILLS[skill].requires}


def test_outcomes_informed_arm_learns_as_every_world_does():
    # The reference arm's learning functions over particles are the worlds' own, to the bit.
    from outcome_informed import VECTOR_GAINS

    rng = np.random.default_rng(0)
    items = library()
    assert set(VECTOR_GAINS) == {w.name for w in WORLDS}
    for world in WORLDS:
        for _ in range(100):
            entry = items[int(rng.integers(len(items)))]
            levels = rng.uniform(0.0, 1.0, (4, len(SKILLS)))
            for skill, weight in zip(entry.skills, entry.weights, strict=True):
                together = VECTOR_GAINS[world.name](levels, entry, skill, weight, 1.0)
                alone = [world.gain(row, entry, skill, weight) for row in levels]
                assert together == pytest.approx(alone, abs=1e-12), world.name


def test_outcomes_informed_posterior_follows_the_answers():
    from outcome_informed import Posterior, history_events

    from learnwire.plugins.demo.history import learner_history

    profile = latent_profile(build_organisation(3, 50), 0)
    today = date(2026, 11, 20)
    # The history it replays is the one the deployment saw: one event per session taught.
    events = history_events(3, profile, today)
    assert len(events) == learner_history(3, profile, today).sessions
    (skill, _, _), *_ = profile.requirements()
    item = next(e for e in library() if e.skills[0] == skill and e.questions)

    def mean_level(answers):
        post = Posterior(profile, seed=3, particles=400)
        for _ in range(5):
            post.answer(item, answers)
        return float(post.levels[:, skill] @ post.weights())

    prior = mean_level([])
    assert mean_level([False] * 4) < prior < mean_level([True] * 4)


def test_outcomes_diagnostic_world_teaches_a_repeat_less_and_stays_out_of_the_held_out_mean():
    from outcome_figures import SeedResult, held_out_saving

    profile = latent_profile(build_organisation(3, 50), 0)
    (skill, _, _), *_ = profile.requirements()
    entry = next(e for e in library() if e.skills[0] == skill)

    def steps(world: str) -> list[float]:
        learner = Learner(profile, np.full(len(profile.mastery), 0.2), WORLD_INDEX[world],
                          np.random.default_rng(0))  # fmt: skip
        out = []
        for _ in range(3):
            learner.latent[skill] = 0.2
            learner.do(entry)
            out.append(float(learner.latent[skill]) - 0.2)
        return out

    like_new, fading = steps("current"), steps("repeats_fade")
    assert like_new == pytest.approx([like_new[0]] * 3)
    assert fading[0] == pytest.approx(like_new[0])
    assert fading[1] / fading[0] == pytest.approx(2**0.7 - 1, rel=1e-6)
    assert "repeats_fade" not in {w.name for w in WORLDS}
    worlds = (WORLD_INDEX["additive"], WORLD_INDEX["repeats_fade"])
    result = SeedResult(seed=1, days={}, reached={}, learners=1)
    for world, days in (("additive", 100.0), ("repeats_fade", 50.0)):
        result.days[(world, "learnwire")], result.days[(world, "segmentation")] = days, 200.0
    assert held_out_saving(result, "segmentation", worlds) == pytest.approx(50.0)
