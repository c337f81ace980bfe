"""Practice as the learner model credits it: per skill weight, format and readiness."""

from __future__ import annotations

import numpy as np

from learnwire.core.learner.build import observe_item
from learnwire.core.learner.org import DEFAULT_PARAMS, OrgContext
from learnwire.core.ranker.items import FORMATS


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
