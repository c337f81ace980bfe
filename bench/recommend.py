"""Recommendation latency and batch throughput on the embedded PostgreSQL.

    python bench/recommend.py [--learners 10000] [--items 10000] [--sample 400]
                              [--skip-embed] [--skip-batch] [--data-dir DIR]

Loads the sample organisation (reused from ``bench/data/recommend-<learners>`` on later runs;
into LEARNWIRE_DATABASE_URL instead when that is set),
extends the catalogue to ``--items`` with variants of the library's items, embeds them, fits
the learner model, then measures one learner's ranking (p50/p95 over a sample, with where the
time goes) and a batch over every learner (ranked and stored). Targets from the issue: p95
<= 30 ms per learner, the batch <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

warnings.filterwarnings("ignore", module="platformdirs")

from learnwire.core.config import Settings  # noqa: E402
from learnwire.core.learner.build import build_state  # noqa: E402
from learnwire.core.learner.calibration import calibrate_and_store  # noqa: E402
from learnwire.core.learner.mastery import assessment_responses, fit_and_store  # noqa: E402
from learnwire.core.models import ContentItem  # noqa: E402
from learnwire.core.ranker.service import RecommendationService, _pgvector_neighbours  # noqa: E402
from learnwire.core.runtime import Runtime  # noqa: E402
from learnwire.core.sources import ContentBatch  # noqa: E402
from learnwire.plugins.demo.loader import load_demo  # noqa: E402
from learnwire.plugins.demo.source import DemoParameters  # noqa: E402

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FORMATS = ("video", "article", "exercise", "simulation")


def extend_catalogue(runtime: Runtime, target: int) -> int:
    with runtime.db.connection() as conn:
        have = conn.execute(
            "SELECT count(*) FROM content_item WHERE retired_at IS NULL"
        ).fetchone()[0]
        if have >= target:
            return have
        base = conn.execute(
            "SELECT c.external_id, c.title, c.summary, c.format, c.duration_minutes, c.difficulty, "
            "c.launch_url, array_agg(s.skill_id) FROM content_item c JOIN content_skill s "
            "ON s.content_id = c.id WHERE c.provider <> 'bench' GROUP BY c.id "
            "ORDER BY c.external_id"
        ).fetchall()
    variants = []
    k = 0
    while have + len(variants) < target:
        ext, title, summary, _fmt, minutes, difficulty, url, skills = base[k % len(base)]
        part = k // len(base) + 2
        variants.append(
            ContentItem(
                provider="bench",
                external_id=f"{ext}-part-{part}",
                title=f"{title}, part {part}",
                summary=summary,
                format=FORMATS[(k + part) % 4],
                duration_minutes=float(min(20, max(3, minutes + (part % 5) - 2))),
                difficulty=float(min(1, max(0, difficulty + 0.05 * ((part % 5) - 2)))),
                launch_url=f"{url}{'&' if '?' in url else '?'}part={part}",
                skills=[{"skill_id": s} for s in skills],
            )
        )
        k += 1
    intake = runtime.intake()
    for start in range(0, len(variants), 1000):
        with runtime.db.connection() as conn:
            intake.store_content(
                conn, ContentBatch(items=variants[start : start + 1000]), provider="bench"
            )
    return have + len(variants)


def embed(runtime: Runtime) -> str:
    try:
        from learnwire.core.embedders.active import active_embedder
        from learnwire.core.embedders.content import embed_pending

        embedder = active_embedder(runtime)
    except Exception as exc:  # no embedder installed: semantic signals stay off
        return f"no embedder ({exc})"
    report = embed_pending(runtime.db, embedder)
    return f"{report.embedded} embedded in {report.seconds:.1f} s"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=400)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--skip-embed", action="store_true", help="rank without content embeddings")
    ap.add_argument("--processes", type=int, default=2, help="for the batch (2 cores here)")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(__file__).parent / "data" / f"recommend-{args.learners}"
    data_dir.mkdir(parents=True, exist_ok=True)
    runtime = Runtime(Settings(data_dir=data_dir))
    runtime.upgrade()

    t0 = time.perf_counter()
    load = load_demo(runtime, DemoParameters(seed=7, learners=args.learners, today=AT.date()))
    print(
        f"sample organisation: {args.learners} learners ready in {time.perf_counter() - t0:.1f} s"
        f" ({load.seconds:.1f} s loading)"
    )
    t0 = time.perf_counter()
    items = extend_catalogue(runtime, args.items)
    print(f"catalogue: {items} live items ({time.perf_counter() - t0:.1f} s)")
    print(f"embeddings: {'skipped' if args.skip_embed else embed(runtime)}")
    svc = RecommendationService(runtime)
    with runtime.db.connection() as conn:
        # What `learnwire model fit` does: BKT per skill, then the answer calibration.
        fit = fit_and_store(conn, assessment_responses(conn))
        calibration = calibrate_and_store(conn, svc)
    print(
        f"learner model: {fit.skills} skills fitted from {fit.responses} responses "
        f"in {fit.seconds:.1f} s; answers calibrated from {calibration.answers} answers of "
        f"{calibration.learners} learners in {calibration.seconds:.1f} s"
    )

    with runtime.db.connection() as conn:
        t0 = time.perf_counter()
        model = svc.model(conn)
        print(f"model load (catalogue arrays, org, peers): {time.perf_counter() - t0:.2f} s")
        learners = [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]
    sample = learners[:: max(1, len(learners) // args.sample)][: args.sample]
    from learnwire.core.governance import Subject
    from learnwire.core.ranker.recommendations_store import store_ranking
    from learnwire.core.ranker.service import _stamp

    # What a request costs: the service's own path (model check, governed view, state,
    # pgvector search and ranking, storing), timed end to end per learner.
    totals = []
    for learner in sample:
        a = time.perf_counter()
        svc.recommend(learner, at=AT)
        totals.append((time.perf_counter() - a) * 1000)
    print(f"\nper learner, svc.recommend ({len(sample)} learners x {items} items):")
    print(
        f"  p50 {statistics.median(totals):.1f} ms   p95 {pct(totals, 95):.1f} ms   "
        f"max {max(totals):.1f} ms   (target p95 <= 30 ms)"
    )
    # Where that time goes: the same steps one by one, on one connection.
    parts: dict[str, list[float]] = {
        "connection + model check": [],
        "governed view": [],
        "learner state": [],
        "ranking": [],
        "store": [],
    }
    for learner in sample:
        a = time.perf_counter()
        with runtime.db.connection() as conn:
            _stamp(conn)
            b = time.perf_counter()
            view = svc.governance.governed_view(
                conn,
                learner,
                "development_recommendation",
                Subject.learner(learner),
                as_of=AT,
            )
            c = time.perf_counter()
            state = build_state(view, model.items, model.org)
            d = time.perf_counter()
            ranking = model.ranker.rank(
                state, AT, neighbours=_pgvector_neighbours(conn, model.items)
            )
            e = time.perf_counter()
            store_ranking(conn, ranking)
        f = time.perf_counter()
        for key, value in zip(parts, (b - a, c - b, d - c, e - d, f - e), strict=True):
            parts[key].append(value * 1000)
    for key, values in parts.items():
        print(
            f"  {key:<25} p50 {statistics.median(values):6.2f} ms   p95 {pct(values, 95):6.2f} ms"
        )

    if not args.skip_batch:
        t0 = time.perf_counter()
        done = svc.recommend_all(at=AT, learners=learners, processes=args.processes)
        took = time.perf_counter() - t0
        print(
            f"\nbatch, {args.processes} process(es): {done} learners ranked and stored in "
            f"{took:.1f} s "
            f"({1000 * took / done:.1f} ms each; target <= 60 s)"
        )
    runtime.close()


if __name__ == "__main__":
    sys.exit(main())
