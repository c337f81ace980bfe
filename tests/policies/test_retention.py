"""Retention sweep: nothing past its category's limit stays, everything within it does,
aggregate-then-delete keeps anonymous totals, batches are safe to interrupt and rerun."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from learnwire.policies.retention import expired_counts, sweep

CATEGORIES = ["behavioural", "assessment", "feedback", "derived"]


def _ages(conn):
    return conn.execute(
        "SELECT data_category::text, occurred_at FROM learning_event "
        "UNION ALL SELECT data_category::text, occurred_at FROM hr_fact "
        "UNION ALL SELECT data_category::text, starts_at FROM calendar_signal"
    ).fetchall()


@hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(st.tuples(st.sampled_from(CATEGORIES), st.integers(0, 1500)), max_size=25),
    facts=st.lists(
        st.tuples(
            st.sampled_from([("job_profile", "hr_profile"), ("performance_goal", "performance")]),
            st.integers(0, 1000),
        ),
        max_size=6,
    ),
    meetings=st.lists(st.integers(-60, 10), max_size=6),
    batch_size=st.integers(1, 7),
)
def test_retention_sweep_leaves_nothing_past_its_limit_and_keeps_the_rest(
    db, engine, make_org, now, wipe_db, events, facts, meetings, batch_size
):
    wipe_db()
    policy = engine.policy
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        for category, days in events:
            org.event(learner, category=category, days_ago=days)
        for i, ((fact_type, category), days) in enumerate(facts):
            org.fact(learner, fact_type=fact_type, category=category, days_ago=days, key=str(i))
        for days in meetings:
            org.calendar(learner, starts_in_days=days)
        before = _ages(conn)
    report = sweep(db, policy, now=now, batch_size=batch_size)
    with db.connection() as conn:
        after = _ages(conn)
        aggregated = conn.execute(
            "SELECT coalesce(sum(records), 0) FROM policy_retained_aggregate"
        ).fetchone()[0]
    limit = {c.value: now - r.retention.period for c, r in policy.categories.items()}
    must_keep = sorted(row for row in before if row[1] >= limit[row[0]])
    assert sorted(after) == must_keep
    assert report.complete and sum(report.deleted.values()) == len(before) - len(after)
    folded = [
        r
        for r in before
        if r[1] < limit[r[0]]
        and policy.categories[r[0]].retention.at_expiry == "aggregate_then_delete"
    ]
    assert aggregated == len(folded)


def test_retention_interrupted_sweep_finishes_on_rerun_without_double_counting(
    db, engine, make_org, now
):
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        for i in range(10):
            org.event(learner, category="behavioural", days_ago=200 + i, score=0.5)
        org.event(learner, category="behavioural", days_ago=10)
    with db.connection() as conn:
        assert (
            expired_counts(conn, engine.policy, now=now)["learning_event/behavioural"]["rows"] == 10
        )
    first = sweep(db, engine.policy, now=now, batch_size=3, max_batches=2)
    assert not first.complete and first.deleted == {"learning_event/behavioural": 6}
    second = sweep(db, engine.policy, now=now, batch_size=3)
    assert second.complete and second.deleted == {"learning_event/behavioural": 4}
    with db.connection() as conn:
        remaining = conn.execute("SELECT count(*) FROM learning_event").fetchone()[0]
        totals = conn.execute(
            "SELECT sum(records), sum(score_count), sum(score_sum), sum(completions) "
            "FROM policy_retained_aggregate"
        ).fetchone()
        leak = conn.execute(
            "SELECT count(*) FROM policy_retained_aggregate r WHERE r::text LIKE %s",
            (f"%{learner}%",),
        ).fetchone()[0]
    assert remaining == 1
    assert totals == (10, 10, 5.0, 10)
    assert leak == 0


def test_retention_calendar_is_measured_from_the_meeting(db, engine, make_org, now):
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        org.calendar(learner, starts_in_days=-13)
        org.calendar(learner, starts_in_days=-15)
        org.calendar(learner, starts_in_days=3)
    sweep(db, engine.policy, now=now)
    with db.connection() as conn:
        starts = sorted(r[0] for r in conn.execute("SELECT starts_at FROM calendar_signal"))
    assert [s - now for s in starts] == [timedelta(days=-13), timedelta(days=3)]
