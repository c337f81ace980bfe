"""Practice as the learner model credits it: per skill weight, format and readiness."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from learnwire.core.learner.org import DEFAULT_PARAMS, OrgContext
from learnwire.core.learner.replay import observe_item
from learnwire.core.ranker.items import FORMATS

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _org(items):
    ids = items.skills.ids
    return OrgContext({s: i for i, s in enumerate(ids)}, params=[DEFAULT_PARAMS] * len(ids))


def test_practice_credits_each_skill_by_its_weight_in_the_item(catalogue, make_state):
    items, _ = catalogue
    item = int(np.flatnonzero(items.item_skill[:, 2])[2])  # a delegation item
    items.item_skill[item, 5] = 0.4  # that also touches presenting a little
    st = make_state(items, mastery=np.full(len(items.skills.ids), 0.4, np.float32))
    observe_item(st, items, _org(items), item, assessed=False)
    main, side = st.mastery[2] - 0.4, st.mastery[5] - 0.4
    assert main > side > 0
    assert abs(side / main - 0.4) < 1e-3
    assert st.evidence[2] == st.evidence[5] > 0


def test_practice_teaches_more_in_active_formats_and_when_ready(catalogue, make_state):
    items, _ = catalogue
    coaching = np.flatnonzero(items.item_skill[:, 1])
    video, exercise = int(coaching[3]), int(coaching[4])
    items.format_code[[video, exercise]] = [FORMATS.index("video"), FORMATS.index("exercise")]
    items.difficulty[[video, exercise]] = 0.5
    items.duration[[video, exercise]] = 10
    items.__dict__.pop("format_gain", None)

    def gain(item: int, feedback: float) -> float:
        mastery = np.full(len(items.skills.ids), 0.45, np.float32)
        mastery[0] = feedback  # coaching's prerequisite, needed at 0.6
        st = make_state(items, mastery=mastery)
        observe_item(st, items, _org(items), item, assessed=False)
        return float(st.mastery[1] - 0.45)

    assert gain(exercise, 0.6) > gain(video, 0.6) > 0
    assert 0 < gain(exercise, 0.3) < gain(exercise, 0.6)


def test_partly_done_items_teach_without_counting_as_evidence(catalogue, make_state):
    items, _ = catalogue
    item = int(np.flatnonzero(items.item_skill[:, 3])[1])
    st = make_state(items, mastery=np.full(len(items.skills.ids), 0.3, np.float32))
    before_known = float(st.p_known[3])
    observe_item(st, items, _org(items), item, assessed=False, share=0.5)
    assert st.mastery[3] > 0.3
    assert st.evidence[3] == 0 and st.p_known[3] == before_known


def test_practice_credit_stays_unconfirmed_until_answers_come(catalogue, make_state):
    from learnwire.core.learner.replay import observe_answer

    items, _ = catalogue
    item = int(np.flatnonzero(items.item_skill[:, 3])[3])
    st = make_state(items, mastery=np.full(len(items.skills.ids), 0.4, np.float32))
    org = _org(items)
    for _ in range(3):
        observe_item(st, items, org, item, assessed=False)
    credited = float(st.unverified[3])
    assert credited == pytest.approx(float(st.mastery[3]) - 0.4, abs=1e-6)
    observe_answer(st, 3, org.params[3], True, 0.5)
    assert st.unverified[3] < credited


def test_evidence_check_asks_for_answers_where_practice_alone_says_reached(catalogue, make_state):
    from learnwire.core.ranker.builtin import EvidenceCheck
    from learnwire.core.ranker.context import RankContext

    items, shared = catalogue
    target = np.array([0.6, 0.6, 0, 0, 0, 0], np.float32)
    mastery = np.array([0.65, 0.65, 0.3, 0.3, 0.3, 0.3], np.float32)
    unverified = np.array([0.15, 0.0, 0, 0, 0, 0], np.float32)
    st = make_state(
        items,
        target=target,
        target_weight=(target > 0).astype(np.float32),
        mastery=mastery,
        unverified=unverified,
    )
    feedback, coaching = (
        np.flatnonzero(items.item_skill[:, 0]),
        np.flatnonzero(items.item_skill[:, 1]),
    )
    items.format_code[feedback[:2]] = [FORMATS.index("exercise"), FORMATS.index("video")]
    items.format_code[coaching[0]] = FORMATS.index("exercise")
    idx = np.array([feedback[0], feedback[1], coaching[0]])
    values = EvidenceCheck().values(RankContext(st, items, NOW, shared), idx)
    # An exercise on the skill reached on practice credit alone; not a video (no answers),
    # not a skill whose level answers already confirmed.
    assert values[0] > 0.5 and values[1] == 0 and values[2] == 0
    text = EvidenceCheck().describe(view=RankContext(st, items, NOW, shared), item=int(idx[0]))
    assert "feedback delivery" in text and "practice" in text


def test_practice_credit_fades_at_the_fitted_forgetting_rate(catalogue, make_state):
    from learnwire.core.learner.gain_params import GainModel, GainParams

    items, _ = catalogue
    item = int(np.flatnonzero(items.item_skill[:, 3])[1])
    st = make_state(items, mastery=np.full(len(items.skills.ids), 0.3, np.float32))
    st.gain = GainModel.of(GainParams(forget_rate=0.01), items.skills.ids)
    observe_item(st, items, _org(items), item, assessed=False)
    credited = float(st.mastery[3]) - 0.3
    assert credited > 0
    st.fade(100.0)
    assert float(st.mastery[3]) - 0.3 == pytest.approx(credited * np.exp(-1.0), rel=1e-3)
    assert float(st.mastery[0]) == pytest.approx(0.3)  # nothing practised, nothing to fade
