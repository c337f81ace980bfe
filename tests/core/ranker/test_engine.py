"""The ranker on a synthetic catalogue: contributions, pedagogy, diversity, explanations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from learnwire.core.learner.state import Situation

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _lead(make_state, items, **kw):
    target = np.array([0.8, 0.7, 0.6, 0, 0, 0.5], np.float32)
    mastery = np.array([0.2, 0.5, 0.3, 0.1, 0.1, 0.6], np.float32)
    values = dict(target=target, target_weight=(target > 0).astype(np.float32), mastery=mastery)
    values.update(kw)
    return make_state(items, **values)


def test_engine_contributions_add_up_to_the_score(catalogue, make_state, make_ranker):
    items, shared = catalogue
    ranking = make_ranker(items, shared).rank(_lead(make_state, items), NOW)
    assert len(ranking.recommendations) == 5
    for rec in ranking.recommendations:
        assert abs(sum(c.contribution for c in rec.contributions) - rec.score) < 1e-3
        assert rec.explanation.endswith(".")


def test_engine_largest_gap_leads_and_is_explained(catalogue, make_state, make_ranker):
    items, shared = catalogue
    top = (
        make_ranker(items, shared, exploration_share=0)
        .rank(_lead(make_state, items), NOW)
        .recommendations[0]
    )
    assert items.item_skill[items.position[top.content_id]].argmax() == 0
    assert top.explanation.startswith("Feedback delivery is your largest gap in your role's")
    assert "requires" not in top.explanation, "one phrase per theme"


def test_engine_prerequisites_gate_advanced_items(catalogue, make_state, make_ranker):
    items, shared = catalogue
    # Coaching is the only need, but its prerequisite (feedback) is far from mastered.
    st = _lead(
        make_state,
        items,
        target=np.array([0, 0.9, 0, 0, 0, 0], np.float32),
        target_weight=np.array([0, 1, 0, 0, 0, 0], np.float32),
    )
    recs = make_ranker(items, shared, exploration_share=0).rank(st, NOW).recommendations
    for rec in recs:
        i = items.position[rec.content_id]
        if items.item_skill[i].argmax() == 1:
            assert items.difficulty[i] <= 0.35, "advanced coaching waits for feedback skills"


def test_engine_upcoming_situation_changes_ranking_and_explanation(
    catalogue, make_state, make_ranker
):
    items, shared = catalogue
    st = _lead(
        make_state,
        items,
        target=np.array([0.3, 0, 0, 0, 0, 0.9], np.float32),
        target_weight=np.array([1, 0, 0, 0, 0, 1], np.float32),
    )
    before = make_ranker(items, shared).rank(st, NOW).recommendations
    st.situations = [Situation("feedback_conversation", NOW + timedelta(days=1), 30)]
    after = make_ranker(items, shared).rank(st, NOW).recommendations
    assert [r.content_id for r in before] != [r.content_id for r in after]
    assert any("Your feedback conversation is tomorrow" in r.explanation for r in after)


def test_engine_stretch_item_is_labelled_with_reason(catalogue, make_state, make_ranker):
    items, shared = catalogue
    focus = np.array([1, 0, 0, 0, 0, 1], np.float32)  # coaching, delegation are adjacent
    learner = _lead(make_state, items, target=focus, target_weight=focus)
    recs = make_ranker(items, shared, exploration_share=0.2).rank(learner, NOW).recommendations
    stretch = [r for r in recs if r.stretch]
    assert len(stretch) == 1
    assert stretch[0].stretch_reason.startswith("a stretch into")
    assert "which you are working on" in stretch[0].explanation


def test_engine_diversity_spreads_across_skills(catalogue, make_state, make_ranker):
    items, shared = catalogue
    recs = (
        make_ranker(items, shared, exploration_share=0)
        .rank(_lead(make_state, items), NOW)
        .recommendations
    )
    skills = {int(items.item_skill[items.position[r.content_id]].argmax()) for r in recs}
    assert len(skills) >= 3


def test_engine_feedback_dismiss_and_more_like_this_change_next_ranking(
    catalogue, make_state, make_ranker
):
    items, shared = catalogue
    st = _lead(make_state, items)
    first = make_ranker(items, shared).rank(st, NOW).recommendations
    dismissed = items.position[first[0].content_id]
    st.item_feedback = {dismissed: "dismiss"}
    liked = int(np.flatnonzero(items.item_skill[:, 5])[0])  # a presenting item
    st.more_like = [liked]
    second = make_ranker(items, shared).rank(st, NOW).recommendations
    assert first[0].content_id not in {r.content_id for r in second}
    presenting = [r for r in second if items.item_skill[items.position[r.content_id], 5] > 0]
    assert presenting, "more-like-this pulls in the rated item's neighbours"


def test_engine_blocked_family_is_reported_and_not_used(catalogue, make_state, make_ranker):
    items, shared = catalogue
    st = _lead(
        make_state,
        items,
        situations=[Situation("feedback_conversation", NOW + timedelta(days=1), 30)],
    )
    st.blocked = {"calendar": "opted out"}
    ranking = make_ranker(items, shared).rank(st, NOW)
    uses = {u.name: u for u in ranking.signals}
    assert uses["upcoming_situation"].status == "blocked"
    assert "opted out" in uses["upcoming_situation"].reason
    for rec in ranking.recommendations:
        assert "upcoming_situation" not in {c.signal for c in rec.contributions}
        assert "conversation" not in rec.explanation


def test_engine_recently_done_items_are_not_repeated(catalogue, make_state, make_ranker):
    items, shared = catalogue
    st = _lead(make_state, items)
    first = make_ranker(items, shared).rank(st, NOW).recommendations
    st.done_items = {items.position[r.content_id]: NOW - timedelta(days=1) for r in first}
    second = make_ranker(items, shared).rank(st, NOW).recommendations
    assert not {r.content_id for r in first} & {r.content_id for r in second}


def test_engine_imminent_situation_claims_a_place(catalogue, make_state, make_ranker):
    items, shared = catalogue
    data_gaps = np.array([0, 0, 0, 0.9, 0.9, 0], np.float32)  # SQL and statistics only
    learner = _lead(make_state, items, target=data_gaps, target_weight=data_gaps)
    before = make_ranker(items, shared).rank(learner, NOW).recommendations
    learner.situations = [Situation("feedback_conversation", NOW + timedelta(hours=20), 30)]
    after = make_ranker(items, shared).rank(learner, NOW).recommendations
    lead = "Your feedback conversation is tomorrow"
    assert not any(r.explanation.startswith(lead) for r in before)
    prepared = [r for r in after if r.explanation.startswith(lead)]
    assert prepared, [r.explanation for r in after]
    assert all(items.item_skill[items.position[r.content_id], 0] > 0 for r in prepared)
    data = [r for r in after if items.item_skill[items.position[r.content_id], 3:5].any()]
    assert len(data) >= 2, "the long-term gaps keep their places"


def test_engine_expected_progress_prefers_active_practice(catalogue, make_state, make_ranker):
    from learnwire.core.ranker.builtin import ExpectedProgress
    from learnwire.core.ranker.context import RankContext
    from learnwire.core.ranker.items import FORMATS

    items, shared = catalogue
    st = _lead(make_state, items)
    # Two otherwise identical items on the largest gap: a video and an exercise.
    video, exercise = 0, 1
    items.format_code[[video, exercise]] = [FORMATS.index("video"), FORMATS.index("exercise")]
    items.difficulty[[video, exercise]] = 0.3
    items.duration[[video, exercise]] = 10
    items.__dict__.pop("format_gain", None)  # the cached per-item gains follow the edit
    ctx = RankContext(st, items, NOW, shared)
    values = ExpectedProgress().values(ctx, np.array([video, exercise]))
    assert values[1] > values[0] > 0


def test_engine_expected_progress_slows_while_prerequisites_are_shaky(
    catalogue, make_state, make_ranker
):
    from learnwire.core.ranker.builtin import ExpectedProgress
    from learnwire.core.ranker.context import RankContext

    items, shared = catalogue
    coaching = int(np.flatnonzero(items.item_skill[:, 1])[2])
    ready = _lead(make_state, items, mastery=np.array([0.6, 0.5, 0.3, 0.1, 0.1, 0.6], np.float32))
    shaky = _lead(make_state, items, mastery=np.array([0.2, 0.5, 0.3, 0.1, 0.1, 0.6], np.float32))
    delegation = int(np.flatnonzero(items.item_skill[:, 2])[2])
    signal = ExpectedProgress()
    at = np.array([coaching, delegation])
    fast = signal.values(RankContext(ready, items, NOW, shared), at)
    slow = signal.values(RankContext(shaky, items, NOW, shared), at)
    # Relative to a delegation item (no prerequisites, same level either way), coaching is
    # worth less while feedback, its prerequisite, is far below the level coaching needs.
    assert slow[0] / max(slow[1], 1e-6) < fast[0] / max(fast[1], 1e-6)


def test_engine_expected_progress_reads_the_fitted_practice_curve(catalogue, make_state):
    from learnwire.core.learner.gain_params import GainModel, GainParams
    from learnwire.core.ranker.builtin import ExpectedProgress
    from learnwire.core.ranker.context import RankContext
    from learnwire.core.ranker.items import FORMATS

    items, shared = catalogue
    st = _lead(make_state, items)
    video, exercise = 0, 1
    items.format_code[[video, exercise]] = [FORMATS.index("video"), FORMATS.index("exercise")]
    items.difficulty[[video, exercise]] = 0.3
    items.duration[[video, exercise]] = 10
    # An organisation whose answers showed videos teaching twice what exercises do.
    fitted = GainParams(format_gain={"video": 2.0, "exercise": 1.0}, fitted=True)
    st.gain = GainModel.of(fitted, items.skills.ids)
    values = ExpectedProgress().values(RankContext(st, items, NOW, shared), np.array([0, 1]))
    assert values[0] > values[1] > 0


def test_engine_pitch_follows_the_fitted_peak(catalogue, make_state):
    from dataclasses import replace

    from learnwire.core.learner.gain_params import DEFAULT_GAIN, GainModel
    from learnwire.core.ranker import pedagogy
    from learnwire.core.ranker.context import RankContext

    items, shared = catalogue
    st = _lead(make_state, items)
    near, far = 0, 1  # both on feedback delivery (level 0.2): +0.05 and +0.30 above it
    items.item_skill[[near, far]] = 0
    items.item_skill[[near, far], 0] = 1
    items.difficulty[[near, far]] = [0.25, 0.50]
    idx = np.array([near, far])

    def multipliers(peak: float) -> np.ndarray:
        st.gain = GainModel.of(replace(DEFAULT_GAIN, peak=peak, fitted=True), items.skills.ids)
        return pedagogy.apply(RankContext(st, items, NOW, shared), idx).multiplier

    prior, stretch = multipliers(0.05), multipliers(0.30)
    # Under the prior's peak the item just above the level is pitched right; where the
    # organisation's people learn most well above their level, the far item is.
    assert prior[0] > prior[1]
    assert stretch[1] > stretch[0]
    assert abs(pedagogy.pitch_success(0.05) - 0.711) < 1e-3
