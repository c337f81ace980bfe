"""The practice curve's fit: it recovers the parameters that generated the answers when each
person's start is uncertain and answers switch steeply, stays at the documented priors where
evidence is thin, and the report serves it only when it predicts held-out people better."""

from __future__ import annotations

import math

import numpy as np
import pytest

from learnwire.core.learner import gain_fit, gain_report, gain_sequences, gain_sml
from learnwire.core.learner.gain_params import DEFAULT_GAIN, FORMATS, GainParams
from learnwire.core.learner.level import ELO_SCALE

SKILLS = ("s0", "s1", "s2", "s3", "s4", "s5")
USED_FORMATS = ("video", "article", "exercise", "simulation")

TRUE = GainParams(
    practice_gain=0.06,
    format_gain={"video": 1.5, "article": 1.2, "exercise": 0.8, "simulation": 1.0},
    zone=0.3,
    peak=0.15,
    duration_exponent=0.6,
    readiness_exponent=1.0,
    forget_rate=1 / 200,
)
THRESHOLDS = (0.42, 0.47, 0.5, 0.53, 0.45, 0.55)
SCALE, GUESS, SLIP = 0.03, 0.2, 0.1
START_SD = 0.12


def generate(params: GainParams, learners: int, seed: int, every_fifth: GainParams | None = None):
    """People whose true start on each skill is the model's start plus an error (sd
    START_SD) and whose answers switch within SCALE of each skill's threshold, practising
    and answering over a few months; written out one event at a time, independently of
    gain_sml's vectorised code."""
    rng = np.random.default_rng(seed)
    a: dict[str, list[float]] = {
        k: [] for k in ("learner", "skill", "day", "offset", "y", "start", "difficulty")
    }
    p: dict[str, list[float]] = {
        k: [] for k in ("learner", "skill", "day", "fmt", "minutes", "rel", "head", "ready")
    }
    truth = params
    for person in range(learners):
        params = every_fifth if every_fifth is not None and person % 5 == 4 else truth
        for skill in range(len(SKILLS)):
            start = float(rng.uniform(0.2, 0.5))  # the learner model's start
            level = min(1.0, max(0.0, start + rng.normal(0, START_SD)))
            credit, day, last = 0.0, 0.0, 0.0
            for _ in range(10):
                day += float(rng.uniform(1, 15))
                credit *= math.exp(-params.forget_rate * (day - last))
                last = day
                x = min(1.0, level + credit)
                difficulty = float(rng.uniform(0.3, 0.8))
                for _ in range(2):  # answer twice, before the item teaches
                    bar = THRESHOLDS[skill]
                    knows = 1 / (1 + math.exp(-(x - bar) / SCALE))
                    right = rng.random() < GUESS + (1 - GUESS - SLIP) * knows
                    values = (person, skill, day, (start - bar) / ELO_SCALE, right, start,
                              difficulty)  # fmt: skip
                    for k, v in zip(a, values, strict=True):
                        a[k].append(v)
                if rng.random() < 0.8:  # then practise it
                    fmt = USED_FORMATS[rng.integers(len(USED_FORMATS))]
                    minutes = float(rng.choice([5, 10, 20]))
                    ready = float(rng.uniform(0.5, 1.0))
                    fit = math.exp(-(((difficulty - x - params.peak) / params.zone) ** 2) / 2)
                    credit += (
                        params.practice_gain * params.format_gain[fmt] * fit
                        * (minutes / 10) ** params.duration_exponent
                        * ready**params.readiness_exponent * (1 - x)
                    )  # fmt: skip
                    held = start  # the level the model held then: any, the fit reads the draw
                    values = (person, skill, day + 1e-3, FORMATS.index(fmt), minutes,
                              difficulty - held - 0.05, 1 - held, ready)  # fmt: skip
                    for k, v in zip(p, values, strict=True):
                        p[k].append(v)
    n = len(a["y"])
    return gain_fit.Evidence(
        skill_ids=SKILLS,
        a_learner=np.array(a["learner"], np.int64),
        a_skill=np.array(a["skill"], np.int64),
        a_day=np.array(a["day"]),
        a_offset=np.array(a["offset"]),
        a_guess=np.full(n, GUESS),
        a_slip=np.full(n, SLIP),
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
        a_start=np.array(a["start"]),
        a_difficulty=np.array(a["difficulty"]),
    )


def overall(params: GainParams, fmt: str) -> float:
    return params.practice_gain * params.format_gain[fmt]


def test_gain_fit_recovers_known_parameters_with_uncertain_starts_and_steep_answers():
    result = gain_sml.fit(generate(TRUE, learners=120, seed=1))
    fitted = result.params
    assert fitted.fitted
    for f in USED_FORMATS:
        assert abs(math.log(overall(fitted, f) / overall(TRUE, f))) < 0.35, (f, fitted)
    # The priors' order (active formats teach more) is reversed here; the fit follows.
    assert overall(fitted, "video") > overall(fitted, "exercise")
    assert abs(fitted.zone - TRUE.zone) < 0.1
    # Where in the zone practice teaches most: 0.15 above the level, against the prior's 0.05.
    assert abs(fitted.peak - TRUE.peak) < 0.05, fitted.peak
    assert abs(math.log(fitted.forget_rate / TRUE.forget_rate)) < 0.7
    answers = result.answers_model
    assert answers is not None
    assert abs(math.log(answers.scale / SCALE)) < 0.5
    assert abs(answers.start_sd - START_SD) < 0.04
    # Served with the curve: the level's uncertainty reads it (LearnerState.level_sd).
    assert fitted.start_sd == answers.start_sd
    assert GainParams.from_dict(fitted.as_dict()).start_sd == fitted.start_sd
    # Where answers switch, relative to one another: a shift of every threshold and every
    # start together changes the answers little, so the absolute place rests on the priors.
    fitted_bars = answers.threshold - answers.threshold.mean()
    true_bars = np.array(THRESHOLDS) - np.mean(THRESHOLDS)
    assert np.abs(fitted_bars - true_bars).max() < 0.03


def test_gain_fit_predicts_held_out_answers_better_than_the_prior():
    ev = generate(TRUE, learners=120, seed=2)
    train = np.arange(ev.n_learners) % 4 != 0
    result = gain_sml.fit(ev, learners=train)
    held = gain_fit.subset(ev, ~train)
    p_fit, y, _ = gain_sml.predict(held, result, result.params)
    fitted = gain_fit.log_loss(p_fit, y)
    assert fitted < gain_fit.log_loss(gain_sml.predict(held, result, DEFAULT_GAIN)[0], y)
    # A curve five times as steep (what reading the starts as exact gave) predicts far worse.
    steep = GainParams(practice_gain=5 * result.params.practice_gain,
                       format_gain=result.params.format_gain, zone=result.params.zone,
                       forget_rate=result.params.forget_rate)  # fmt: skip
    assert fitted < gain_fit.log_loss(gain_sml.predict(held, result, steep)[0], y) - 0.01
    assert gain_fit.auc(p_fit, y) > 0.7


def test_gain_fit_moves_from_the_prior_only_as_far_as_the_evidence_supports():
    thin = gain_sml.fit(generate(TRUE, learners=6, seed=3)).params
    rich = gain_sml.fit(generate(TRUE, learners=100, seed=3)).params
    truth, prior = math.log(overall(TRUE, "video")), math.log(overall(DEFAULT_GAIN, "video"))

    def moved(p: GainParams) -> float:  # share of the way from the prior to the truth
        return (math.log(overall(p, "video")) - prior) / (truth - prior)

    assert moved(thin) < moved(rich)
    assert moved(rich) > 0.6
    # A format nobody practised keeps its prior gain.
    assert overall(rich, "podcast") == pytest.approx(overall(DEFAULT_GAIN, "podcast"), rel=1e-6)


def test_gain_fit_keeps_the_defaults_without_enough_answers():
    result = gain_sml.fit(generate(TRUE, learners=1, seed=4))
    assert result.params is DEFAULT_GAIN
    assert not result.params.fitted and result.answers_model is None


def test_gain_fit_auc_counts_ties_half():
    assert gain_fit.auc(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == 0.5
    assert gain_fit.auc(np.array([0.2, 0.8, 0.6]), np.array([0.0, 1.0, 1.0])) == 1.0


def test_gain_report_serves_the_priors_when_the_fit_predicts_held_out_people_worse():
    # Four fifths learn fast; the fifth held out to score the fit barely learns at all,
    # so the fit (trained on the fast ones) predicts them worse than the priors do.
    slow = GainParams(practice_gain=0.001, forget_rate=1 / 365)
    fast = GainParams(practice_gain=0.3, zone=0.4, forget_rate=1 / 365)
    params, report = gain_report.fit_with_report(
        generate(fast, learners=60, seed=5, every_fifth=slow)
    )
    held = report["held_out"]
    assert held["fitted"]["log_loss"] > held["prior"]["log_loss"] and held["fitted_clearly_worse"]
    assert params == DEFAULT_GAIN and not report["fitted"]
    assert report["rejected"]["practice_gain"] > DEFAULT_GAIN.practice_gain
    # The same evidence without the odd fifth: the fit beats the priors and is served.
    params, report = gain_report.fit_with_report(generate(fast, learners=60, seed=5))
    assert report["held_out"]["fitted"]["log_loss"] < report["held_out"]["prior"]["log_loss"]
    assert not report["held_out"]["fitted_clearly_worse"]
    assert params.fitted and report["rejected"] is None
    assert report["answer_model"]["scale"] > 0


def test_gain_fit_gradient_is_the_slope_of_the_log_posterior():
    # The fit climbs the exact gradient (reverse mode): it must agree with central
    # differences everywhere, including forgetting, the start's spread and each skill's
    # answer parameters, at a point away from the priors.
    ev = generate(TRUE, learners=20, seed=6)
    model = gain_sml._Model(gain_sequences.sequences(ev), len(ev.skill_ids), DEFAULT_GAIN, ev)
    theta = model.mean + 0.3 * np.random.default_rng(0).normal(size=model.mean.shape)
    _, grad = model.objective(theta)
    numeric = np.zeros_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = 1e-5
        numeric[i] = (model.objective(theta + step)[0] - model.objective(theta - step)[0]) / 2e-5
    assert np.all(np.abs(grad - numeric) <= 1e-5 * (1 + np.abs(numeric))), (grad, numeric)
