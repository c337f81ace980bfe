"""Time the organisation's outcome report on the sample organisation, and print it.

    python bench/outcome_report.py [--learners 2000] [--repeat 3] [--period month]
                                   [--data-dir DIR] [--no-rank]

Loads the sample organisation (90 days of history before 2026-11-20) into the embedded
PostgreSQL (reused from ``bench/data/outcomes-<learners>`` on later runs), fits the learner
model, ranks everyone once a day before the end (so the beyond-accuracy figures have
recommendations to read; skipped when rankings are already stored, or with --no-rank), then
builds the report over the 90 days as ``learnwire outcomes report`` does, ``--repeat``
times, and prints the time of each part and the report's headline figures. Then it stores
the report as the L&D page's snapshot and times the page (HTML and JSON) serving it,
``--page-requests`` times each, through the Flask app as a signed-in L&D admin.

The time covers everything the report does: the governed read of everyone's records, one
replay of the learner model per person for the 0/30/60/90-day checkpoints and one for the
period ends, the survey and recommendation reads, and every bootstrap interval.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

warnings.filterwarnings("ignore", module="platformdirs")

from learnwire.core.config import Settings  # noqa: E402
from learnwire.core.governance import Subject  # noqa: E402
from learnwire.core.learner.mastery import assessment_responses, fit_and_store  # noqa: E402
from learnwire.core.measure.outcomes import PURPOSE, load_outcome_model, outcome_of  # noqa: E402
from learnwire.core.measure.refresh import compute_snapshot  # noqa: E402
from learnwire.core.measure.report import outcome_report  # noqa: E402
from learnwire.core.measure.snapshots import ReportKey  # noqa: E402
from learnwire.core.ranker.service import RecommendationService  # noqa: E402
from learnwire.core.runtime import Runtime  # noqa: E402
from learnwire.core.web.app import create_app  # noqa: E402
from learnwire.plugins.demo.loader import load_demo  # noqa: E402
from learnwire.plugins.demo.source import DemoParameters  # noqa: E402
from learnwire.plugins.pages.signin import open_session  # noqa: E402

TODAY = datetime(2026, 11, 20, tzinfo=UTC)
SINCE = TODAY - timedelta(days=90)
VIEWER = Subject("ld_admin", "bench")


def prepare(runtime: Runtime, learners: int, rank: bool) -> None:
    t0 = time.perf_counter()
    load_demo(runtime, DemoParameters(seed=7, learners=learners, today=TODAY.date()))
    print(f"sample organisation: {learners} learners ready in {time.perf_counter() - t0:.1f} s")
    with runtime.db.connection() as conn:
        fit = fit_and_store(conn, assessment_responses(conn))
        stored = conn.execute("SELECT count(*) FROM recommendation").fetchone()
    print(f"learner model: {fit.skills} skills fitted from {fit.responses} responses")
    if rank and not (stored and stored[0]):
        t0 = time.perf_counter()
        ranked = RecommendationService(runtime).recommend_all(at=TODAY - timedelta(days=1))
        print(f"ranked {ranked} learners in {time.perf_counter() - t0:.1f} s")


def parts(runtime: Runtime) -> dict[str, float]:
    """The report's two heavy parts timed apart: the governed read and the replays."""
    gov = runtime.governance
    with runtime.db.connection() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM learner")]
        t0 = time.perf_counter()
        views = gov.aggregate_views(conn, ids, PURPOSE, VIEWER, as_of=TODAY)
        t1 = time.perf_counter()
        model = load_outcome_model(conn, gov)
        t2 = time.perf_counter()
    for view in views.values():
        outcome_of(view, model, start=SINCE, horizon_days=90, now=TODAY)
    t3 = time.perf_counter()
    events = sum(len(v.events) for v in views.values())
    print(f"{len(views)} people, {events} events held for {PURPOSE}")
    return {"governed read": t1 - t0, "model load": t2 - t1, "per-person outcomes": t3 - t2}


def page_times(runtime: Runtime, period: str, requests: int) -> None:
    """Store the report as the page's snapshot, then time the page serving it."""
    step = next(p for p in ("week", "month", "quarter") if p == period)
    key = ReportKey.fixed(SINCE, TODAY, period=step, role=None)
    t0 = time.perf_counter()
    snapshot = compute_snapshot(runtime.db, runtime.governance, key, now=TODAY)
    print(f"\nsnapshot stored in {time.perf_counter() - t0:.2f} s (computed and written)")
    assert snapshot is not None, "another process is computing the same report"
    with runtime.db.connection() as conn:
        someone = conn.execute("SELECT id FROM learner LIMIT 1").fetchone()[0]
        token = open_session(
            conn,
            someone,
            via="oidc",
            claims={"groups": ["learning-and-development"]},
            lifetime=timedelta(hours=1),
        )
    client = create_app(runtime).test_client()
    query = f"door={token}&since={SINCE.isoformat()}&until={TODAY.isoformat()}&period={step}"
    query = query.replace("+", "%2B")
    for label, path in (
        ("page (HTML)", "/learning-admin/outcomes"),
        ("JSON API", "/api/v1/learning-admin/outcomes"),
    ):
        took = []
        for _ in range(max(1, requests)):
            t0 = time.perf_counter()
            response = client.get(f"{path}?{query}")
            took.append(time.perf_counter() - t0)
            assert response.status_code == 200, (path, response.status_code)
        median, worst = statistics.median(took) * 1000, max(took) * 1000
        print(
            f"  {label:<12} served from the snapshot: median {median:.0f} ms, "
            f"max {worst:.0f} ms ({len(took)} requests)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--period", choices=("week", "month", "quarter"), default="month")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--no-rank", action="store_true")
    ap.add_argument("--page-requests", type=int, default=5)
    args = ap.parse_args()
    data_dir = args.data_dir or Path(__file__).parent / "data" / f"outcomes-{args.learners}"
    data_dir.mkdir(parents=True, exist_ok=True)
    # LEARNWIRE_DATABASE_URL, when set, is used (the suite runs this at toy size against the
    # test database); otherwise the embedded PostgreSQL in data_dir.
    runtime = Runtime(Settings(data_dir=data_dir))
    runtime.upgrade()
    prepare(runtime, args.learners, not args.no_rank)
    for name, seconds in parts(runtime).items():
        print(f"  {name:<22} {seconds:7.2f} s")
    took = []
    report = None
    for _ in range(max(1, args.repeat)):
        with runtime.db.connection() as conn:
            t0 = time.perf_counter()
            report = outcome_report(
                conn, runtime.governance, VIEWER, since=SINCE, until=TODAY, period=args.period
            )
            took.append(time.perf_counter() - t0)
    assert report is not None
    print(
        f"\noutcome report over {report.people} people, {len(report.series)} periods: "
        f"median {statistics.median(took):.2f} s, min {min(took):.2f} s, max {max(took):.2f} s "
        f"({len(took)} runs)"
    )
    o = report.organisation
    print(f"  items finished per person     {o.completions_per_person.text()}")
    print(f"  share of days active          {o.active_day_share.text(percent=True)}")
    for m in o.mastery:
        print(f"  role level gain by day {m.day:<3}   {m.gain.text()}")
        print(f"    required skills at target   {m.skills_at_target.text(percent=True)}")
    print(f"  at role levels at the start   {o.proficiency.at_start.text(percent=True)}")
    print(f"  reached them in the window    {o.proficiency.reached.text(percent=True)}")
    print(f"  median days to reach them     {o.proficiency.median_days.text()}")
    b = o.beyond_accuracy
    print(f"  catalogue coverage            {b.coverage.text(percent=True)}")
    print(f"  concentration (Gini)          {b.gini.text()}")
    print(f"  novelty (bits)                {b.novelty.text()}")
    shown = [r for r in report.roles if r.outcomes is not None]
    flagged = [f.text for r in report.roles for f in r.flags]
    print(f"  roles shown {len(shown)}, withheld {len(report.roles) - len(shown)}, flags:")
    for text in flagged or ["none"]:
        print(f"    {text}")
    page_times(runtime, args.period, args.page_requests)
    runtime.close()


if __name__ == "__main__":
    sys.exit(main())
