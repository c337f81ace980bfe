"""Team aggregates: managers see totals over their own teams only, never over fewer than k."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from learnwire.core.errors import NotFound
from learnwire.policies import audit
from learnwire.policies.access import Subject
from learnwire.policies.aggregates import team_aggregate
from learnwire.policies.consent import set_opt_out
from learnwire.policies.engine import AccessDenied

SKILLS = ["feedback", "sql", "negotiation", "python"]

team_strategy = st.lists(  # one team: per member, a list of (skill, score, days ago)
    st.lists(
        st.tuples(
            st.sampled_from(SKILLS),
            st.sampled_from([None, 0.0, 0.25, 0.5, 1.0]),
            st.integers(0, 400),
        ),
        max_size=4,
    ),
    min_size=1,
    max_size=9,
)


@hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(teams=st.lists(team_strategy, min_size=1, max_size=3), opt_outs=st.integers(0, 3))
def test_aggregates_no_manager_visible_figure_covers_fewer_than_k(
    db, engine, make_org, wipe_db, teams, opt_outs
):
    wipe_db()
    k = engine.policy.k
    with db.connection() as conn:
        org = make_org(conn)
        managers = []
        for t, members in enumerate(teams):
            manager = org.learner()
            org.member(manager, f"team-{t}", manager=True)
            managers.append(manager)
            for m, events in enumerate(members):
                learner = org.learner()
                org.member(learner, f"team-{t}")
                for skill, score, days in events:
                    category = "assessment" if score is not None else "behavioural"
                    org.event(
                        learner, category=category, days_ago=days, skills=(skill,), score=score
                    )
                if m < opt_outs:
                    set_opt_out(
                        conn, engine, learner, "assessment_results", by=Subject.learner(learner)
                    )
    for t, members in enumerate(teams):
        with db.connection() as conn:
            try:
                result = team_aggregate(
                    conn, engine, Subject.manager(managers[t]), "hr", f"team-{t}"
                )
            except AccessDenied as exc:
                assert len(members) < k, exc
                continue
        assert len(members) >= k and result.members == len(members)
        assert result.active_people is None or result.active_people >= k
        for skill in result.skills:
            assert skill.people >= k
    # a manager never sees another manager's team
    if len(teams) > 1:
        with db.connection() as conn, pytest.raises(AccessDenied):
            team_aggregate(conn, engine, Subject.manager(managers[0]), "hr", "team-1")


def test_aggregates_small_cells_are_suppressed_and_refusals_audited(db, engine, make_org):
    with db.connection() as conn:
        org = make_org(conn)
        boss = org.learner()
        org.member(boss, "t", manager=True)
        for i in range(6):
            learner = org.learner()
            org.member(learner, "t")
            org.event(learner, skills=("feedback",), score=0.5, category="assessment")
            if i < 2:
                org.event(learner, skills=("sql",))
        small_boss = org.learner()
        org.member(small_boss, "small", manager=True)
        for _ in range(3):
            org.member(org.learner(), "small")
    with db.connection() as conn:
        result = team_aggregate(conn, engine, Subject.manager(boss), "hr", "t")
    assert [(s.skill_id, s.people, s.mean_score) for s in result.skills] == [("feedback", 6, 0.5)]
    assert result.suppressed_skills == 1 and result.members == 6
    with db.connection() as conn, pytest.raises(AccessDenied, match="aggregates need at least 5"):
        team_aggregate(conn, engine, Subject.manager(small_boss), "hr", "small")
    with db.connection() as conn:
        assert audit.recent(conn)[0].outcome == "denied"
        with pytest.raises(NotFound):
            team_aggregate(conn, engine, Subject.manager(boss), "hr", "nope")


def test_aggregates_manager_never_reads_an_individual(db, engine, make_org):
    from learnwire.policies.access import Resource

    with db.connection() as conn:
        org = make_org(conn)
        boss, report = org.learner(), org.learner()
        org.member(boss, "t", manager=True)
        org.member(report, "t")
    decision = engine.allowed(
        Subject.manager(boss), "read", Resource("learner_data", owner=report), "manager_team_view"
    )
    assert not decision.allowed and "another person" in decision.reason


def test_aggregates_organisation_totals_for_ld_admin_only(db, engine, make_org):
    with db.connection() as conn:
        org = make_org(conn)
        for _ in range(5):
            org.event(org.learner(), skills=("sql",))
    admin = Subject("ld_admin", "lena")
    from learnwire.policies.aggregates import learning_aggregate

    with db.connection() as conn:
        result = learning_aggregate(conn, engine, admin)
        assert result.members == 5 and [s.people for s in result.skills] == [5]
        with pytest.raises(AccessDenied):
            learning_aggregate(conn, engine, Subject.service("ranker"))
