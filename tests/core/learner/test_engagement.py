"""Engagement profile: rhythm in the learner's own time zone, formats, sessions, revisits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from learnwire.core.learner.engagement import Activity, profile, verb_kind
from learnwire.core.ranker.items import FORMATS

ADL = "http://adlnet.gov/expapi/verbs/"
VIDEO, EXERCISE = FORMATS.index("video"), FORMATS.index("exercise")


def test_engagement_rhythm_is_in_the_learners_time_zone():
    # 07:00 UTC is 08:00 in Berlin in winter: the rhythm must peak at the local hour.
    acts = [
        Activity(datetime(2026, 11, d, 7, 0, tzinfo=UTC), ADL + "launched", 1, VIDEO)
        for d in range(2, 28)
    ]
    berlin = profile(acts, n_formats=len(FORMATS), timezone="Europe/Berlin")
    utc = profile(acts, n_formats=len(FORMATS), timezone="UTC")
    assert int(np.argmax(berlin.hour_rhythm)) == 8
    assert int(np.argmax(utc.hour_rhythm)) == 7
    assert abs(float(berlin.hour_rhythm.sum()) - 1) < 1e-5


def test_engagement_completion_by_format_sessions_revisits_and_abandons():
    t0 = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)
    acts = []
    for k in range(6):  # exercises: started and finished, twelve-minute sessions a day apart
        at = t0 + timedelta(days=k)
        acts += [
            Activity(at, ADL + "launched", 10 + k, EXERCISE),
            Activity(
                at + timedelta(minutes=12),
                ADL + "completed",
                10 + k,
                EXERCISE,
                duration_seconds=0,
                completion=True,
            ),
        ]
    for k in range(4):  # videos: started, never finished; one started twice
        acts.append(Activity(t0 + timedelta(days=k, hours=2), ADL + "launched", 20 + k % 3, VIDEO))
    acts.append(
        Activity(t0 + timedelta(days=9), "http://activitystrea.ms/schema/1.0/save", 10, EXERCISE)
    )
    p = profile(acts, n_formats=len(FORMATS), timezone="UTC")
    assert p.completion_by_format[EXERCISE] > 0.75 > 0.3 > p.completion_by_format[VIDEO]
    assert 10 <= p.session_minutes <= 14
    assert p.revisits == 1
    assert p.abandons == 3  # three distinct videos started and never finished
    assert p.saves == 1 and p.engaged[10] > p.engaged[11]
    assert set(p.completed) == {10, 11, 12, 13, 14, 15}


def test_engagement_verb_kinds():
    assert verb_kind(ADL + "completed") == "complete"
    assert verb_kind("https://w3id.org/xapi/adl/verbs/abandoned") == "abandon"
    assert verb_kind(ADL + "experienced") == "start"
    assert verb_kind("https://example.com/verbs/pondered") == "other"
