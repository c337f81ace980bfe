"""Serving the web app: in one process, or in several that share one listening socket.

One Python process computes on one core at a time, and xAPI intake is CPU-bound in Python
(parsing, validating, pseudonymising, governing). ``serve --processes N`` therefore forks N
workers that accept on the same socket, as gunicorn's pre-fork model does. The parent
migrates, binds, runs the embedded default's periodic tasks and supervises: a worker that
dies is replaced, one that keeps dying stops the service with a clear message, and SIGTERM
stops every worker before the runtime (and an embedded PostgreSQL) is closed.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import time
from typing import Any

import click

from ..runtime import Runtime
from ..scheduler import InProcessScheduler
from .public_url import settle_public_url

log = logging.getLogger(__name__)

#: Workers may die this many times within ``_CRASH_WINDOW`` seconds before the service gives
#: up: a worker failing at start-up (a broken plugin, a full disk) must not fork forever.
_CRASH_LIMIT = 5
_CRASH_WINDOW = 30.0
#: How long a worker gets to finish its requests after SIGTERM before it is killed.
_STOP_GRACE = 30.0


def serve_app(runtime: Runtime, host: str, port: int, threads: int, processes: int = 1) -> None:
    """Migrate, then serve the web app until interrupted (``serve`` and ``demo --serve``)."""
    if processes < 1:
        raise click.BadParameter("must be at least 1", param_hint="--processes")
    # Fail closed, before anything is migrated or served (create_app checks again).
    runtime.require_governance()
    for warning in settle_public_url(runtime.settings, host, port):
        click.echo(f"warning: {warning}", err=True)
    runtime.upgrade()
    # A service manager stops us with SIGTERM: unwind like Ctrl-C so the runtime closes
    # and an embedded PostgreSQL is stopped rather than left running.
    signal.signal(signal.SIGTERM, _interrupt)
    click.echo(
        f"learnwire serving on http://{host}:{port} (health: /healthz) in {processes} "
        f"process{'es' if processes > 1 else ''}; public URL {runtime.settings.public_url}"
    )
    # No broker, no beat: the embedded default runs the periodic tasks (delivery, model
    # fit, embedding, retention) in this process (the parent, when there are workers).
    scheduler = (
        InProcessScheduler(runtime, runtime.collect("register_periodic_tasks"))
        if runtime.settings.redis_url is None
        else None
    )
    try:
        if processes == 1:
            if scheduler is not None:
                scheduler.start()
            _serve(runtime, threads, host=host, port=port)
        else:
            _supervise(runtime, host, port, threads, processes, scheduler)
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM is how a server is meant to stop: a clean exit, not a failure.
        click.echo("learnwire stopped")
    finally:
        if scheduler is not None:
            scheduler.stop()


def _supervise(
    runtime: Runtime,
    host: str,
    port: int,
    threads: int,
    processes: int,
    scheduler: InProcessScheduler | None,
) -> None:
    listener = _listen(host, port)
    supervisor = _Supervisor(runtime, listener, threads)
    try:
        supervisor.start(processes)
        if scheduler is not None:
            scheduler.start()
        supervisor.watch()
    finally:
        supervisor.stop()
        listener.close()


def _serve(runtime: Runtime, threads: int, **where: Any) -> None:
    import waitress

    from ..web.app import create_app

    app = create_app(runtime)
    # Everything built so far lives as long as the process: freezing it spares the garbage
    # collector from rescanning it on every pass (xAPI intake allocates tens of thousands
    # of objects a request; this alone is about a sixth of its CPU).
    gc.collect()
    gc.freeze()
    waitress.serve(
        app,
        threads=threads,
        ident="learnwire",
        # waitress reads a whole body (up to 1 GiB by default) before the app sees it:
        # refuse anything past the app's own limit while it arrives.
        max_request_body_size=runtime.settings.max_request_bytes + 1,
        **where,
    )


def _listen(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(address)
    listener.listen(1024)
    listener.set_inheritable(True)
    return listener


class _Supervisor:
    """Forks the workers, replaces one that dies, and stops them all."""

    def __init__(self, runtime: Runtime, listener: socket.socket, threads: int) -> None:
        self.runtime = runtime
        self.listener = listener
        self.threads = threads
        self.workers: set[int] = set()
        self.crashes: list[float] = []

    def start(self, processes: int) -> None:
        # Forking copies the process, not its threads: the pool's threads and connections
        # must not be shared with the children. Close it, fork, and open one per process.
        self.runtime.db.pool.close()
        gc.collect()
        gc.freeze()
        for _ in range(processes):
            self._fork()
        self.runtime.db.reopen()

    def _fork(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _worker(self.runtime, self.listener, self.threads)
        self.workers.add(pid)

    def watch(self) -> None:
        """Wait on the workers until interrupted; replace any that exits."""
        while self.workers:
            pid, status = os.wait()
            if pid not in self.workers:
                continue
            self.workers.discard(pid)
            now = time.monotonic()
            self.crashes = [t for t in self.crashes if now - t < _CRASH_WINDOW] + [now]
            if len(self.crashes) > _CRASH_LIMIT:
                raise click.ClickException(
                    f"workers exited {len(self.crashes)} times within {_CRASH_WINDOW:.0f} s; "
                    "stopping (see the log above for the cause)"
                )
            log.warning("worker %d exited (%s); starting a replacement", pid, _describe(status))
            self.runtime.db.pool.close()
            self._fork()
            self.runtime.db.reopen()

    def stop(self) -> None:
        for pid in self.workers:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE
        while self.workers and time.monotonic() < deadline:
            for pid in list(self.workers):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    self.workers.discard(pid)
            time.sleep(0.05)
        for pid in self.workers:
            log.warning("worker %d did not stop within %.0f s; killing it", pid, _STOP_GRACE)
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self.workers.clear()


def _worker(runtime: Runtime, listener: socket.socket, threads: int) -> None:
    """A forked worker: its own connection pool and app, serving until SIGTERM; never
    returns (``os._exit``: the parent's exit handlers, e.g. stopping an embedded
    PostgreSQL, are the parent's alone)."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, _interrupt)
        runtime.db.reopen()
        _serve(runtime, threads, sockets=[listener])
    except KeyboardInterrupt:
        pass
    except Exception:
        log.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        try:
            runtime.db.pool.close()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
