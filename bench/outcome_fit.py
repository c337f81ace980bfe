"""The practice curve fitted inside each simulated world, from what the organisation sees.

Before the followed people start, a cohort of other people of the same organisation
(never the ones followed) works through random items on their role's skills in the world
for a few months, and the deployment records only what a deployment would: each completed
item and each answer, with the levels its learner model held (:class:`EvidenceBuilder`).
The practice curve is fitted from that evidence alone (:mod:`learnwire.core.learner.
gain_sml`, documented priors, a fifth of the cohort held out to score it); the simulator's
own parameters are never read. The learnwire arm in that world is then served with it.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np
from outcome_arms import Learner, LearnwireArm, follow, random_in_role

from learnwire.core.learner.gain_evidence import EvidenceBuilder
from learnwire.core.learner.gain_params import GainModel, GainParams
from learnwire.core.learner.gain_report import fit_with_report
from learnwire.core.learner.state import LearnerState
from learnwire.plugins.demo.taxonomy import SKILLS

#: People in the warm-up cohort and how long they practise before the fit: half a year of
#: a mid-sized department's activity. Forty people's half year (the first protocol) leaves
#: the curve weakly identified once each person's start is treated as uncertain: the fit
#: then rests mostly on its priors (docs/outcomes.md).
WARM_PEOPLE, WARM_WEEKS = 160, 26


class Recorder:
    """Feeds one warm-up person's statements to the deployment's learner model (as the
    learnwire arm does) and records them, with the model's levels, as fitting evidence."""

    def __init__(
        self, model: Any, state: LearnerState, start: datetime, builder: EvidenceBuilder, key: int
    ) -> None:
        self.arm = LearnwireArm(model, state, start)
        self.model, self.state, self.builder, self.key = model, state, builder, key
        self.start_level = state.mastery.copy()
        self.order = 0

    def observe(self, learner: Learner, entry: Any, answers: list[bool], day: float) -> None:
        self.arm.advance(day)
        # Items in one session share a day: keep their order (an answer is evidence of
        # practice done before it, not of the item it belongs to).
        self.order += 1
        at = day + 1e-4 * self.order
        model = self.model
        main = self.arm.tax_index.get(SKILLS[entry.skills[0]].id)
        if main is not None:
            for ok in answers:
                self.builder.answer(
                    self.key, main, at, float(self.start_level[main]),
                    entry.item.difficulty, model.org.params[main], ok,
                )  # fmt: skip
        i = model.items.by_activity.get(entry.activity_id)
        if i is not None:
            self.builder.practised(self.key, i, at, self.state.mastery.copy())
        self.arm.observe(learner, entry, answers, day)


def fit_in_world(
    model: Any,
    world: Any,
    cohort: list[tuple[int, Any, np.ndarray, LearnerState]],
    seed: int,
    start: datetime,
    weeks: int = WARM_WEEKS,
) -> tuple[GainParams, dict[str, Any]]:
    """Fit from ``cohort`` (person, latent profile, latent start, the deployment's state
    for them at ``start``) practising in ``world`` for ``weeks``."""
    builder = EvidenceBuilder(model.items, model.items.skills.ids)
    for person, profile, latent, state in cohort:
        learner = Learner(profile, latent.copy(), world, np.random.default_rng([seed, 13, person]))
        recorder = Recorder(model, copy.deepcopy(state), start, builder, person)
        pick = random_in_role(np.random.default_rng([seed, 17, person]))
        follow(learner, pick, recorder.observe, weeks * 7.0)
    return fit_with_report(builder.evidence())


def served_with(model: Any, params: GainParams) -> Any:
    """``model`` with its organisation's practice curve replaced by ``params``."""
    gain = GainModel.of(params, model.items.skills.ids)
    return replace(model, org=replace(model.org, gain=gain))
