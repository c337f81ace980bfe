"""Page render time for /me and /team on the sample organisation, with database time apart.

    python bench/pages.py [--learners 10000] [--sample 200]

Loads the sample organisation into the embedded PostgreSQL (reused from
``bench/data/pages-<learners>`` on later runs), fits the learner model, opens page sessions
as the sign-in doors do, then renders ``GET /me`` for a sample of learners and ``GET /team``
for a sample of managers through the Flask app (no network), and prints p50/p95 of the whole
render and of the time spent waiting on PostgreSQL within it. Target: p95 <= 150 ms each.

Database time is measured by wrapping psycopg's cursor and pipeline calls for this process
only (a benchmark's instrument, not the product's): execute, fetch and pipeline syncs, nested
calls counted once.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", module="platformdirs")

import psycopg  # noqa: E402

from learnwire.core.config import Settings  # noqa: E402
from learnwire.core.learner.mastery import assessment_responses, fit_and_store  # noqa: E402
from learnwire.core.runtime import Runtime  # noqa: E402
from learnwire.core.web.app import create_app  # noqa: E402
from learnwire.plugins.demo.loader import load_demo  # noqa: E402
from learnwire.plugins.demo.source import DemoParameters  # noqa: E402
from learnwire.plugins.pages.signin import open_session  # noqa: E402

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class DbClock:
    """Seconds spent inside psycopg calls that wait on the server, per thread."""

    def __init__(self) -> None:
        self.local = threading.local()

    @property
    def seconds(self) -> float:
        return getattr(self.local, "seconds", 0.0)

    def reset(self) -> None:
        self.local.seconds = 0.0

    def wrap(self, owner: Any, name: str) -> None:
        original = getattr(owner, name)
        local = self.local

        def timed(*args: Any, **kwargs: Any) -> Any:
            depth = getattr(local, "depth", 0)
            local.depth = depth + 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                local.depth = depth
                if depth == 0:
                    local.seconds = getattr(local, "seconds", 0.0) + time.perf_counter() - start

        setattr(owner, name, timed)

    def install(self) -> None:
        for name in ("execute", "executemany", "fetchone", "fetchall", "fetchmany", "__next__"):
            self.wrap(psycopg.Cursor, name)
        for name in ("sync", "__exit__"):
            self.wrap(psycopg.Pipeline, name)
        for name in ("commit", "rollback"):
            self.wrap(psycopg.Connection, name)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(client: Any, clock: DbClock, urls: list[str]) -> tuple[list[float], list[float]]:
    totals, database = [], []
    for url in urls:
        clock.reset()
        start = time.perf_counter()
        response = client.get(url)
        took = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"{url.split('?')[0]} answered {response.status_code}")
        totals.append(took * 1000)
        database.append(clock.seconds * 1000)
    return totals, database


def report(label: str, totals: list[float], database: list[float]) -> None:
    other = [t - d for t, d in zip(totals, database, strict=True)]
    print(
        f"{label:<6} p50 {statistics.median(totals):6.1f} ms   p95 {pct(totals, 95):6.1f} ms"
        f"   (database p50 {statistics.median(database):5.1f} / p95 {pct(database, 95):5.1f} ms;"
        f" the rest p50 {statistics.median(other):5.1f} / p95 {pct(other, 95):5.1f} ms)"
        f"   target p95 <= 150 ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    data_dir = args.data_dir or Path(__file__).parent / "data" / f"pages-{args.learners}"
    data_dir.mkdir(parents=True, exist_ok=True)
    # LEARNWIRE_DATABASE_URL, when set, is used (the suite runs this at toy size against the
    # test database); otherwise the embedded PostgreSQL in data_dir.
    runtime = Runtime(Settings(data_dir=data_dir))
    runtime.upgrade()
    t0 = time.perf_counter()
    load_demo(runtime, DemoParameters(seed=7, learners=args.learners, today=AT.date()))
    print(
        f"sample organisation: {args.learners} learners ready in {time.perf_counter() - t0:.1f} s"
    )
    with runtime.db.connection() as conn:
        fit = fit_and_store(conn, assessment_responses(conn))
        print(f"learner model: {fit.skills} skills fitted from {fit.responses} responses")
        learners = [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]
        managers = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT learner_id FROM team_membership WHERE is_manager ORDER BY 1"
            )
        ]
        step = max(1, len(learners) // args.sample)
        me = [
            open_session(conn, lid, via="demo", claims={}, lifetime=timedelta(hours=2))
            for lid in learners[::step][: args.sample]
        ]
        team = [
            open_session(conn, lid, via="demo", claims={}, lifetime=timedelta(hours=2))
            for lid in managers[: args.sample]
        ]
    client = create_app(runtime).test_client()
    clock = DbClock()
    clock.install()
    # Warm up: the first request builds the ranker's model (catalogue arrays, peers).
    measure(client, clock, [f"/me?door={me[0]}", f"/team?door={team[0]}"])
    print(f"\n{len(me)} learners, {len(team)} managers, {args.learners} learners in all:")
    report("/me", *measure(client, clock, [f"/me?door={t}" for t in me]))
    report("/team", *measure(client, clock, [f"/team?door={t}" for t in team]))
    runtime.close()


if __name__ == "__main__":
    sys.exit(main())
