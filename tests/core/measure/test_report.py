"""The organisation's outcome report on the small organisation of tests/fixtures/outcomes_org,
every figure checked against what it is by hand."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from learnwire.core.governance import AccessDenied, Subject
from learnwire.core.measure.outcomes import PersonOutcome
from learnwire.core.measure.report import outcome_report
from learnwire.core.measure.roles import flags
from learnwire.core.measure.stats import gini

ADMIN = Subject("ld_admin", "ld")


def _report(runtime, mod, **kw):
    with runtime.db.connection() as conn:
        return outcome_report(
            conn,
            runtime.governance,
            ADMIN,
            since=mod.START,
            until=mod.START + timedelta(days=mod.HORIZON),
            **kw,
        )


def test_report_figures_are_the_hand_computed_ones(runtime, outcomes_org, org_module):
    report = _report(runtime, org_module)
    org = report.organisation
    assert report.k == 5 and report.people == org.people == 10
    # Completions: crosser 1, busy 3, one 1, two 1, three analysts 1 each: 9 over 10 people.
    assert org.completions_per_person.value == 0.9 and org.completions_per_person.n == 10
    assert org.completions_per_person.low <= 0.9 <= org.completions_per_person.high
    assert org.completed_any.value == 0.7 and org.completed_any.method == "Wilson score"
    # Proficiency among the six leads: one at the start, one of the other five reached it
    # (after 12 days), which alone is fewer than k people: the median is withheld.
    prof = org.proficiency
    assert prof.people_with_role == 6
    assert prof.at_start.value == pytest.approx(1 / 6, abs=1e-4)
    assert prof.reached.value == 0.2 and prof.reached.n == 5
    assert prof.median_days.status == "suppressed"
    # Relevance pooled over answers, resampled by person: 5 of 7 answers by 5 people.
    assert org.relevance_rate.value == pytest.approx(5 / 7, abs=1e-4)
    assert org.relevance_rate.n == 5 and "cluster bootstrap" in org.relevance_rate.method
    # One person answered the application question: fewer than k, withheld.
    assert org.application_rate.status == "suppressed"
    # Recommendations: counts 6, 6, 1 over the 20 live items.
    beyond = org.beyond_accuracy
    assert beyond.catalogue_items == 20 and beyond.items_recommended == 3
    assert beyond.coverage.value == 0.15
    # Counted over everyone, not estimated: no interval to bracket it.
    assert beyond.coverage.low is None and beyond.coverage.method.startswith("exact")
    expected_gini = (15 * 1 + 17 * 6 + 19 * 6) / (20 * 13)
    assert beyond.gini.value == pytest.approx(expected_gini, abs=1e-4)
    assert gini([6, 6, 1] + [0] * 17) == pytest.approx(expected_gini)
    # Novelty: two items engaged by one person of ten, one by nobody.
    common, fresh = -math.log2(2 / 11), -math.log2(1 / 11)
    novelty = (5 * common + (2 * common + fresh) / 3) / 6
    assert beyond.novelty.value == pytest.approx(novelty, abs=1e-3)
    assert beyond.novelty.n == 6


def test_mastery_progression_has_both_intervals(runtime, outcomes_org, org_module):
    mastery = _report(runtime, org_module).organisation.mastery
    assert [m.day for m in mastery] == [0, 30, 60, 90]
    assert mastery[0].gain.value == 0 and mastery[0].level.n == 6
    assert mastery[3].gain.value > 0 and mastery[3].gain.low <= mastery[3].gain.value
    assert all(0 < m.model_range_width < 1 for m in mastery)


def test_a_window_shorter_than_the_checkpoints_says_not_enough_data_yet(
    runtime, outcomes_org, org_module
):
    with runtime.db.connection() as conn:
        short = outcome_report(
            conn,
            runtime.governance,
            ADMIN,
            since=org_module.START,
            until=org_module.START + timedelta(days=45),
        )
    by_day = {m.day: m for m in short.organisation.mastery}
    assert by_day[30].level.status == "ok" and by_day[30].level.n == 6
    assert by_day[60].level.status == by_day[90].gain.status == "not_enough_data"
    assert by_day[60].level.text() == "not enough data yet (n=0)"


def test_observations_count_only_teams_of_at_least_k(runtime, outcomes_org, org_module):
    seen = _report(runtime, org_module).observation
    assert (seen.teams, seen.teams_withheld) == (1, 1)
    assert seen.seen_share.value == 0.5  # feedback seen, coaching not yet


def test_roles_below_k_show_nothing_and_worse_served_roles_are_flagged(
    runtime, outcomes_org, org_module
):
    roles = {r.role_id: r for r in _report(runtime, org_module).roles}
    assert roles[None].role_name == "no role recorded" and roles[None].outcomes is None
    lead = roles["team-lead"]
    assert lead.role_name == "Team lead" and lead.outcomes.people == 6
    # The other group (three analysts and a manager) is smaller than k: nothing to compare.
    assert lead.flags == []


def test_series_per_period_and_not_enough_data(runtime, outcomes_org, org_module):
    report = _report(runtime, org_module, period="month")
    start = org_module.START
    assert report.series[0].start == start
    assert report.series[-1].end == start + timedelta(days=90)
    assert all(a.end == b.start for a, b in zip(report.series, report.series[1:], strict=False))

    def holding(day: float):
        (found,) = [p for p in report.series if p.start <= start + timedelta(days=day) < p.end]
        return found

    # Every recommendation was made on day 10; other months had none: no coverage yet.
    assert holding(10).coverage.value == 0.15
    others = [p for p in report.series if p is not holding(10)]
    assert others and all(p.coverage.status == "not_enough_data" for p in others)
    # Day 20: five people finished an item (two leads, three analysts).
    assert holding(20).active_share.value >= 0.5 and holding(20).completions >= 5
    # Practice lifts the role level over the window; a month without practice may lose a
    # little unconfirmed credit to forgetting, never much.
    levels = [p.role_level_at_end.value for p in report.series]
    assert levels[-1] > levels[0]
    assert all(b > a - 0.01 for a, b in itertools.pairwise(levels))
    assert all(p.role_level_at_end.n == 6 for p in report.series)


def test_a_role_served_notably_worse_is_flagged_with_its_interval():
    def person(completions: int) -> PersonOutcome:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        return PersonOutcome(
            learner_id=uuid4(),
            role_id="r",
            start=at,
            end=at,
            observed_days=30,
            completions=completions,
            active_days=1,
            active_day_share=0.1,
            target_level=None,
            mastery=[],
            proficient=None,
            proficient_at_start=None,
            days_to_proficiency=None,
        )

    worse = [person(0), person(1), person(0), person(1), person(0), person(1)]
    rest = [person(3), person(4), person(3), person(4), person(3), person(4)]
    (flag,) = flags(worse, rest, "Analysts", k=5)
    assert flag.metric == "completions per person"
    assert flag.difference.value == -3.0 and flag.difference.high < 0
    assert "Analysts" in flag.text and "95% " in flag.text
    # Many comparisons widen each interval (Bonferroni), and the text says how far.
    (wide,) = flags(worse, rest, "Analysts", k=5, comparisons=100)
    assert wide.difference.level == pytest.approx(0.9995)
    assert wide.difference.low < flag.difference.low and "99.95% " in wide.text
    assert flags(rest, worse, "Leads", k=5) == []  # doing better is no flag
    assert flags(worse[:4], rest, "Few", k=5) == []  # too few to compare


def test_report_is_refused_to_a_manager_and_narrowed_by_role(runtime, outcomes_org, org_module):
    with runtime.db.connection() as conn, pytest.raises(AccessDenied):
        outcome_report(
            conn,
            runtime.governance,
            Subject.manager(outcomes_org.manager),
            since=org_module.START,
            until=org_module.NOW,
        )
    leads = _report(runtime, org_module, role="team-lead")
    assert leads.people == 6 and leads.organisation.completions_per_person.value == 1.0
