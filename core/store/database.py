"""One place that knows how to reach PostgreSQL: URL or embedded server, pool, checks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool

from ..config import Settings
from ..errors import ConfigurationError
from .embedded import EmbeddedPostgres

log = logging.getLogger(__name__)

MIN_SERVER_VERSION = 150000
_Row = TypeVar("_Row")


def one(cursor: psycopg.Cursor[_Row]) -> _Row:
    """The row of a statement that always returns exactly one (an aggregate, ``SHOW``, an
    ``INSERT ... RETURNING``): ``one(conn.execute("SELECT count(*) ..."))[0]``."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the statement returned no row where one was certain")
    return row


class Database:
    """A connection pool to the configured server, starting the embedded one if needed."""

    def __init__(
        self,
        url: str,
        *,
        embedded: EmbeddedPostgres | None = None,
        min_size: int = 1,
        max_size: int = 8,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.embedded = embedded
        self._sizes = (min_size, max_size)
        self._timeout = timeout
        # One direct attempt first: a wrong URL fails at once with the server's own words
        # instead of a pool time-out half a minute later.
        psycopg.connect(url, connect_timeout=10).close()
        self.pool = self._open_pool()

    def _open_pool(self) -> ConnectionPool:
        pool = ConnectionPool(
            self.url,
            min_size=self._sizes[0],
            max_size=self._sizes[1],
            open=False,
            configure=_configure,
            # A connection the server dropped (restart, failover) is found and replaced
            # when it is handed out, so a request after an outage gets a live one.
            check=ConnectionPool.check_connection,
            # A request waits this long for a connection; then PoolTimeout (a 503 over HTTP).
            timeout=self._timeout,
            # Background reconnection backs off exponentially and blocks new attempts until it
            # gives up; giving up soon means the first request after the server is back
            # starts a fresh attempt instead of waiting out a long back-off.
            reconnect_timeout=2 * self._timeout,
            kwargs={"autocommit": False},
        )
        pool.open(wait=True, timeout=30)
        return pool

    def reopen(self) -> None:
        """A new pool after the old one was closed, e.g. in a process forked to serve."""
        self.pool = self._open_pool()

    def refresh(self) -> None:
        """Replace pooled connections, e.g. after a migration created new types."""
        old, self.pool = self.pool, self._open_pool()
        old.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection; commits on success, rolls back on error."""
        with self.pool.connection() as conn:
            yield conn

    def check_server(self) -> dict[str, Any]:
        """Server version and pgvector availability; raises if unusable."""
        with self.connection() as conn:
            version = one(conn.execute("SHOW server_version_num"))[0]
            available = conn.execute(
                "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"
            ).fetchone()
        if int(version) < MIN_SERVER_VERSION:
            raise ConfigurationError(
                f"PostgreSQL {int(version) // 10000} found; learnwire needs 15 or newer"
            )
        if available is None:
            raise ConfigurationError(
                "the pgvector extension is not installed on this PostgreSQL server; install "
                "it (e.g. the postgresql-NN-pgvector package) or unset LEARNWIRE_DATABASE_URL "
                "to use the embedded server"
            )
        return {"server_version": int(version), "pgvector": available[0]}

    def close(self) -> None:
        self.pool.close()
        if self.embedded is not None:
            self.embedded.stop()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _configure(conn: psycopg.Connection[Any]) -> None:
    # Before the first migration the vector type does not exist yet; `db upgrade`
    # refreshes the pool afterwards, so skipping here is safe.
    with suppress(psycopg.ProgrammingError):
        register_vector(conn)
    conn.commit()


def open_database(settings: Settings) -> Database:
    """Open the configured database, or start the embedded one in ``settings.data_dir``."""
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
        try:
            db = Database(
                url,
                min_size=settings.db_pool_min,
                max_size=settings.db_pool_max,
                timeout=settings.db_pool_timeout,
            )
        except Exception as exc:
            raise ConfigurationError(f"cannot connect to LEARNWIRE_DATABASE_URL: {exc}") from exc
        return db
    embedded = EmbeddedPostgres(settings.ensure_data_dir() / "pgdata")
    url = embedded.start()
    return Database(
        url,
        embedded=embedded,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        timeout=settings.db_pool_timeout,
    )
