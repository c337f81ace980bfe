"""The practice curve's fit: it recovers the parameters that generated the answers, and
stays at the documented priors where evidence is thin."""

from __future__ import annotations

import math

import numpy as np
import pytest

from learnwire.core.learner import gain_fit, gain_report
from learnwire.core.learner.gain_params import DEFAULT_GAIN, FORMATS, GainParams
from learnwire.core.learner.level import ELO_SCALE

SKILLS = ("s0", "s1", "s2", "s3")
USED_FORMATS = ("video", "article", "exercise", "simulation")

TRUE = GainParams(
    practice_gain=0.07,
    format_gain={"video": 1.6, "article": 1.2, "exercise": 0.8, "simulation": 1.0},
    skill_gain={"s0": 1.0, "s1": 1.0, "s2": 1.0, "s3": 1.0},
    zone=0.35,
    duration_exponent=0.8,
    readiness_exponent=1.0,
    forget_rate=1 / 60,
)


def generate(
    params: GainParams,
    learners: int,
    seed: int,
    person_sd: float = 0.5,
    every_fifth: GainParams | None = None,
):
    """Answers before and after practice, drawn from the fit's own model with ``params``
    (written out here one answer at a time, independently of gain_fit's vectorised code)."""
    rng = np.random.default_rng(seed)
    a: dict[str, list[float]] = {k: [] for k in ("learner", "skill", "day", "offset", "y")}
    p: dict[str, list[float]] = {
        k: [] for k in ("learner", "skill", "day", "fmt", "minutes", "rel", "head", "ready")
    }
    truth = params
    for person in range(learners):
        params = every_fifth if every_fifth is not None and person % 5 == 4 else truth
        ability = rng.normal(0, person_sd)
        for skill in range(len(SKILLS)):
            start = rng.uniform(0.2, 0.6)
            difficulty = rng.uniform(0.3, 0.7)
            done: list[tuple[float, float]] = []  # (day, credit in logits)
            day = 0.0
            for _ in range(6):
                day += rng.uniform(1, 20)
                if rng.random() < 0.6:  # practise an item
                    fmt = USED_FORMATS[rng.integers(len(USED_FORMATS))]
                    minutes = float(rng.choice([5, 10, 20, 40]))
                    rel = rng.uniform(-0.4, 0.4)
                    head = rng.uniform(0.3, 0.8)
                    ready = rng.uniform(0.4, 1.0)
                    credit = (
                        params.practice_gain
                        * params.format_gain[fmt]
                        * math.exp(-(rel**2) / (2 * params.zone**2))
                        * (minutes / 10) ** params.duration_exponent
                        * ready**params.readiness_exponent
                        * head
                        / ELO_SCALE
                    )
                    done.append((day, credit))
                    for k, v in zip(p, (person, skill, day, FORMATS.index(fmt), minutes, rel,
                                        head, ready), strict=True):  # fmt: skip
                        p[k].append(v)
                for _ in range(2):  # answer twice
                    offset = (start - difficulty) / ELO_SCALE
                    eta = (
                        offset
                        + ability
                        + sum(c * math.exp(-params.forget_rate * (day - d)) for d, c in done)
                    )
                    right = rng.random() < 0.1 + 0.8 / (1 + math.exp(-eta))
                    for k, v in zip(a, (person, skill, day + 0.5, offset, right), strict=True):
                        a[k].append(v)
    n = len(a["y"])
    return gain_fit.Evidence(
        skill_ids=SKILLS,
        a_learner=np.array(a["learner"], np.int64),
        a_skill=np.array(a["skill"], np.int64),
        a_day=np.array(a["day"]),
        a_offset=np.array(a["offset"]),
        a_guess=np.full(n, 0.1),
        a_slip=np.full(n, 0.1),
        a_correct=np.array(a["y"], np.float64),
        p_learner=np.array(p["learner"], np.int64),
        p_skill=np.array(p["skill"], np.int64),
        p_day=np.array(p["day"]),
        p_format=np.array(p["fmt"], np.int64),
        p_minutes=np.array(p["minutes"]),
        p_rel=np.array(p["rel"]),
        p_headroom=np.array(p["head"]),
        p_ready=np.array(p["ready"]),
        p_share=np.ones(len(p["day"])),
    )


def test_gain_fit_recovers_known_parameters():
    ev = generate(TRUE, learners=1500, seed=1)
    fitted = gain_fit.fit(ev).params
    assert fitted.fitted
    overall = {f: fitted.practice_gain * fitted.format_gain[f] for f in USED_FORMATS}
    for f in USED_FORMATS:
        truth = TRUE.practice_gain * TRUE.format_gain[f]
        assert abs(math.log(overall[f] / truth)) < 0.2, (f, overall[f], truth)
    # The ordering the priors assumed (active formats teach more) is reversed here, and the
    # fit follows the evidence, not the prior.
    assert overall["video"] > overall["exercise"]
    assert abs(fitted.zone - TRUE.zone) < 0.08
    assert abs(fitted.duration_exponent - TRUE.duration_exponent) < 0.15
    assert abs(math.log(fitted.forget_rate / TRUE.forget_rate)) < 0.5


def test_gain_fit_predicts_held_out_answers_better_than_the_prior():
    ev = generate(TRUE, learners=1200, seed=2)
    train = np.arange(ev.n_learners) % 4 != 0
    fitted = gain_fit.fit(ev, learners=train).params
    held = gain_fit.subset(ev, ~train)
    y = held.a_correct
    fitted_loss = gain_fit.log_loss(gain_fit.predict(held, fitted), y)
    prior_loss = gain_fit.log_loss(gain_fit.predict(held, DEFAULT_GAIN), y)
    assert fitted_loss < prior_loss - 0.005
    assert gain_fit.auc(gain_fit.predict(held, fitted), y) > 0.6


def test_gain_fit_shrinks_to_the_prior_with_thin_data():
    thin = gain_fit.fit(generate(TRUE, learners=12, seed=3)).params
    rich = gain_fit.fit(generate(TRUE, learners=1500, seed=3)).params
    truth = math.log(TRUE.practice_gain * TRUE.format_gain["video"])
    prior = math.log(DEFAULT_GAIN.practice_gain * DEFAULT_GAIN.format_gain["video"])

    def moved(p: GainParams) -> float:  # share of the way from the prior to the truth
        return (math.log(p.practice_gain * p.format_gain["video"]) - prior) / (truth - prior)

    assert moved(thin) < moved(rich)
    assert moved(rich) > 0.7
    # A format nobody practised keeps its prior multiplier: its gain follows the shared one.
    assert rich.format_gain["podcast"] == pytest.approx(DEFAULT_GAIN.format_gain["podcast"])


def test_gain_fit_keeps_the_defaults_without_enough_answers():
    ev = generate(TRUE, learners=3, seed=4)
    result = gain_fit.fit(ev)
    assert result.params is DEFAULT_GAIN
    assert not result.params.fitted


def test_gain_fit_auc_counts_ties_half():
    assert gain_fit.auc(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == 0.5
    assert gain_fit.auc(np.array([0.2, 0.8, 0.6]), np.array([0.0, 1.0, 1.0])) == 1.0


def test_gain_report_serves_the_priors_when_the_fit_predicts_held_out_people_worse():
    # Four fifths learn fast; the fifth held out to score the fit barely learns at all,
    # so the fit (trained on the fast ones) predicts them worse than the priors do.
    slow = GainParams(practice_gain=0.002, forget_rate=1 / 365)
    fast = GainParams(practice_gain=0.25, zone=0.4, forget_rate=1 / 365)
    ev = generate(fast, learners=600, seed=5, every_fifth=slow)
    params, report = gain_report.fit_with_report(ev)
    held = report["held_out"]
    assert held["fitted"]["log_loss"] > held["prior"]["log_loss"]
    assert params == DEFAULT_GAIN and not report["fitted"]
    assert report["rejected"]["practice_gain"] > DEFAULT_GAIN.practice_gain
    # The same evidence without the odd fifth: the fit beats the priors and is served.
    params, report = gain_report.fit_with_report(generate(fast, learners=600, seed=5))
    assert report["held_out"]["fitted"]["log_loss"] < report["held_out"]["prior"]["log_loss"]
    assert params.fitted and report["rejected"] is None
