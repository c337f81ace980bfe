"""Delivery: planning and queueing, sending throughput, and whether learned send times land.

    python bench/delivery.py                      # 1,000 and 10,000 learners
    python bench/delivery.py --sizes 1000 --send 300
    python bench/delivery.py --redis-url redis://127.0.0.1:6379/0

On the sample organisation (loaded once into ``bench/data/delivery-<largest size>``):

1. Planning and queueing the day's messages (best hour from each rhythm, quiet hours, working
   days, cap, policy screen, outbox insert) for each size: seconds and ms per learner.
   Target from the issue: at most 60 s at 10,000 learners, flat per learner.
2. Sending through a local fake of Slack's Web API with 1 and 2 Celery worker processes
   (needs Redis): messages per second, end to end (rank, governance, egress audit, render,
   HTTP, bookkeeping), and that the fake saw each message once.
3. Timing: rhythm learned from the history before a cut-off 14 days before the end, then, for
   every held-out working day on which a learner engaged, whether the learned send time
   falls within the hour before they engaged vs a fixed 09:00 local. Both are held to quiet
   hours. The simulation draws each person's hours from a fixed personal rhythm, so this
   measures how well the rhythm is recovered, not how real people drift.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import threading
import time
import warnings
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

warnings.filterwarnings("ignore", module="platformdirs")

import numpy as np  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from learnwire.core.config import Settings  # noqa: E402
from learnwire.core.delivery import rhythm  # noqa: E402
from learnwire.core.delivery.audience import RHYTHM_CATEGORIES, load_people  # noqa: E402
from learnwire.core.delivery.run import SEND_TASK, plan_and_queue  # noqa: E402
from learnwire.core.delivery.sender import Sender  # noqa: E402
from learnwire.core.runtime import Runtime  # noqa: E402

try:  # the sample organisation is moving from core/demo to plugins/demo
    from learnwire.plugins.demo.loader import load_demo  # type: ignore[import-not-found]
    from learnwire.plugins.demo.source import DemoParameters  # type: ignore[import-not-found]
except ImportError:
    from learnwire.core.demo.loader import load_demo
    from learnwire.core.demo.source import DemoParameters

TODAY = date(2026, 11, 23)  # a Monday
AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # before anyone's best hour in Europe/Americas
KEYS = {"pseudonym_key": "bench-delivery", "secret_key": "bench-delivery"}


def _runtime(data_dir: Path, plugins: dict, database_url: str | None = None) -> Runtime:
    return Runtime(Settings(data_dir=data_dir, database_url=database_url, plugins=plugins, **KEYS))


def _contacts(runtime: Runtime) -> None:
    with runtime.db.connection() as conn:
        for channel, address in (
            ("email", "'p' || left(id::text, 8) || '@example.com'"),
            ("slack", "'U' || upper(left(replace(id::text, '-', ''), 10))"),
        ):
            conn.execute(
                "INSERT INTO delivery_contact (learner_id, channel, address, source, occurred_at) "
                f"SELECT id, %s, {address}, 'bench', now() FROM learner "
                "ON CONFLICT DO NOTHING",
                (channel,),
            )


def _reset_outbox(runtime: Runtime) -> None:
    with runtime.db.connection() as conn:
        conn.execute("TRUNCATE delivery_outbox CASCADE")


# -- 1. planning ------------------------------------------------------------------------------


def bench_planning(runtime: Runtime, sizes: list[int]) -> None:
    sender = Sender(runtime)
    with runtime.db.connection() as conn:
        everyone = [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]
    # Warm-up (policy engine, plugins, first queries) so each size times the planning only.
    plan_and_queue(runtime, sender, at=AT, learners=everyone[:50], dry_run=True)
    print("\n1. planning and queueing the day's messages")
    for n in sizes:
        _reset_outbox(runtime)
        learners = everyone[:n]
        started = time.perf_counter()
        report = plan_and_queue(runtime, sender, at=AT, learners=learners)
        seconds = time.perf_counter() - started
        data = report.as_dict()
        skipped = sum(data["skipped"].values())
        print(
            f"   {n:>6} learners: {seconds:6.2f} s, {1000 * seconds / n:.3f} ms per learner; "
            f"{data['queued']} queued, {skipped} skipped"
            + (
                f" ({', '.join(f'{k}: {v}' for k, v in data['skipped'].items())})"
                if skipped
                else ""
            )
        )
    _reset_outbox(runtime)


# -- 2. sending -------------------------------------------------------------------------------


class FakeSlack:
    """chat.postMessage on 127.0.0.1, counting messages per recipient."""

    def __init__(self) -> None:
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        self.seen: dict[str, int] = defaultdict(int)
        lock = threading.Lock()

        @Request.application
        def app(request: Request) -> Response:
            body = json.loads(request.get_data())
            with lock:
                self.seen[body["channel"]] += 1
                n = sum(self.seen.values())
            return Response(json.dumps({"ok": True, "ts": f"{n}.0"}), mimetype="application/json")

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/api"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()


def _worker_env(runtime: Runtime, plugins: dict, redis_url: str, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(
        {
            "LEARNWIRE_DATABASE_URL": runtime.db.url,
            "LEARNWIRE_REDIS_URL": redis_url,
            "LEARNWIRE_DATA_DIR": str(data_dir / "worker"),
            "LEARNWIRE_PSEUDONYM_KEY": KEYS["pseudonym_key"],
            "LEARNWIRE_SECRET_KEY": KEYS["secret_key"],
            "LEARNWIRE_LOG_LEVEL": "WARNING",
        }
    )
    for name, values in plugins.items():
        env[f"LEARNWIRE_PLUGINS__{name.upper()}"] = json.dumps(values)
    return env


def bench_sending(runtime: Runtime, data_dir: Path, count: int, redis_url: str | None) -> None:
    print("\n2. sending through a local Slack Web API fake")
    if redis_url is None:
        print("   skipped: no --redis-url (Celery workers need a broker)")
        return
    import redis

    from learnwire.core.worker import make_celery

    slack = FakeSlack()
    plugins = {
        "slack": {"bot_token": "xoxb-bench", "api_url": slack.url},
        "lms": {"enabled": False},
        "delivery": {"default_cadence": {"digest": {"slack": "daily"}, "nudge": {}}},
    }
    sending = _runtime(data_dir, plugins, runtime.db.url)
    app = make_celery(sending.settings.model_copy(update={"redis_url": SecretStr(redis_url)}))
    learnwire = str(Path(sys.executable).parent / "learnwire")
    with sending.db.connection() as conn:
        learners = [
            r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id LIMIT %s", (count,))
        ]
    for workers in (1, 2):
        redis.Redis.from_url(redis_url).flushdb()
        _reset_outbox(sending)
        slack.seen.clear()
        plan_and_queue(sending, Sender(sending), at=AT, learners=learners)
        with sending.db.connection() as conn:
            conn.execute("UPDATE delivery_outbox SET send_after = %s", (AT,))
            ids = [r[0] for r in conn.execute("SELECT id FROM delivery_send ORDER BY id")]
        env = _worker_env(sending, plugins, redis_url, data_dir)
        procs = [
            subprocess.Popen(
                [learnwire, "worker", "--", "--pool=solo", "--concurrency=1", "-n", f"w{i}@%h"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(workers)
        ]
        try:
            deadline = time.monotonic() + 120
            while len(app.control.ping(timeout=1.0) or []) < workers:
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise SystemExit("the Celery workers did not start")
            started = time.perf_counter()
            for send_id in ids:
                app.send_task(SEND_TASK, args=(send_id,))
            first_done = None
            while True:
                with sending.db.connection() as conn:
                    done = conn.execute(
                        "SELECT count(*) FROM delivery_send "
                        "WHERE status NOT IN ('pending', 'sending', 'retry')"
                    ).fetchone()[0]
                if done and first_done is None:
                    first_done = (time.perf_counter(), done)
                if done >= len(ids):
                    break
                time.sleep(0.2)
            finished = time.perf_counter()
            seconds = finished - started
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(30)
        with sending.db.connection() as conn:
            sent = conn.execute(
                "SELECT count(*) FROM delivery_send WHERE status = 'sent'"
            ).fetchone()[0]
        steady = (len(ids) - first_done[1]) / max(1e-9, finished - first_done[0])
        twice = sum(1 for n in slack.seen.values() if n > 1)
        print(
            f"   {workers} worker process{'es' if workers > 1 else ''}: {len(ids)} messages in "
            f"{seconds:.1f} s = {len(ids) / seconds:.1f} msgs/s end to end "
            f"({steady:.1f} msgs/s once the first was out); {sent} sent, "
            f"{sum(slack.seen.values())} at the fake, {twice} recipients twice"
        )
    slack.stop()
    sending.close()


# -- 3. timing --------------------------------------------------------------------------------


def _shares(
    runtime: Runtime, cut: datetime, days: int, weights: list[float]
) -> tuple[int, dict[str, int]]:
    """Rhythm learned from before ``cut``; the ``days`` after it held out. Returns the
    learner-days with engagement and, per send-time rule, how many messages landed."""
    settings = Sender(runtime).settings
    allowed = rhythm.allowed_hours(settings.quiet_from, settings.quiet_to)
    priors = {w: rhythm.prior(settings.default_hour, w) for w in weights}
    with runtime.db.connection() as conn:
        people = load_people(conn, at=cut, history_days=settings.history_days)
        engaged: dict = defaultdict(list)
        for lid, tz, at in conn.execute(
            "SELECT e.learner_id, l.timezone, e.occurred_at FROM learning_event e "
            "JOIN learner l ON l.id = e.learner_id WHERE e.occurred_at >= %s "
            "AND e.occurred_at < %s AND e.data_category::text = ANY(%s) AND NOT e.voided",
            (cut, cut + timedelta(days=days), RHYTHM_CATEGORIES),
        ):
            local = at.astimezone(ZoneInfo(tz))
            engaged[(lid, local.date())].append(local)
    hits: dict[str, int] = defaultdict(int)
    total = 0
    for (lid, day), times in engaged.items():
        if day.weekday() not in settings.working_days or lid not in people:
            continue
        person, total = people[lid], total + 1
        zone = ZoneInfo(person.timezone)
        rules = {"fixed 09:00": (9, 0)}
        for w, prior in priors.items():
            slot = rhythm.best_time(
                person.counts, person.minutes, day.weekday(), allowed, prior_counts=prior
            )
            rules[f"learned, prior weight {w:g}"] = (slot.hour, slot.minute)
        for name, (hour, minute) in rules.items():
            send = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            hits[name] += any(send <= t < send + timedelta(hours=1) for t in times)
    return total, hits


def bench_timing(runtime: Runtime, holdout_days: int = 14) -> None:
    """Held-out evaluation; the prior's weight is chosen on the 14 days before the test
    window (fitted on what came before them), never on the test days."""
    default = Sender(runtime).settings.prior_weight
    weights = sorted({0.25, 0.5, 1.0, 2.0, 4.0, 6.0, default})
    test_cut = datetime.combine(TODAY - timedelta(days=holdout_days), datetime.min.time(), UTC)
    valid_cut = test_cut - timedelta(days=holdout_days)
    n, hits = _shares(runtime, valid_cut, holdout_days, weights)
    best = max(weights, key=lambda w: hits[f"learned, prior weight {w:g}"])
    print(f"\n3. timing: validation on {n} learner-days ({valid_cut:%m-%d} + {holdout_days} d):")
    print(
        "   "
        + ", ".join(
            f"weight {w:g}: {hits[f'learned, prior weight {w:g}'] / max(1, n):.1%}" for w in weights
        )
        + f"; fixed 09:00: {hits['fixed 09:00'] / max(1, n):.1%} -> weight {best:g}"
    )
    n, hits = _shares(runtime, test_cut, holdout_days, sorted({best, default}))
    print(
        f"   held-out test on {n} learner-days with engagement ({test_cut:%m-%d} + "
        f"{holdout_days} d; rhythm learned only from before {test_cut:%m-%d}):"
    )
    for w in sorted({best, default}):
        label = "shipped default" if w == default else "chosen on validation"
        share = hits[f"learned, prior weight {w:g}"] / max(1, n)
        print(
            f"   learned send time (prior weight {w:g}, {label}): {share:.1%} land in the "
            "hour the learner engaged"
        )
    print(f"   fixed 09:00 local: {hits['fixed 09:00'] / max(1, n):.1%}")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake's request log
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--send", type=int, default=600, help="messages for the send bench")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("LEARNWIRE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    )
    parser.add_argument("--no-send", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    data_dir = args.data_dir or Path(__file__).parent / "data" / f"delivery-{sizes[-1]}"
    data_dir.mkdir(parents=True, exist_ok=True)
    plugins = {"email": {"host": "127.0.0.1", "sender": "learning@example.com"}}
    runtime = _runtime(data_dir, plugins)
    try:
        runtime.upgrade()
        started = time.perf_counter()
        load_demo(runtime, DemoParameters(seed=7, learners=sizes[-1], today=TODAY))
        _contacts(runtime)
        print(
            f"sample organisation: {sizes[-1]} learners ready in "
            f"{time.perf_counter() - started:.1f} s"
        )
        bench_planning(runtime, sizes)
        if not args.no_send:
            bench_sending(runtime, data_dir, args.send, args.redis_url)
        bench_timing(runtime)
    finally:
        runtime.close()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
