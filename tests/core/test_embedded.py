"""The embedded default sizes PostgreSQL's page cache for the machine, from its next start."""

from __future__ import annotations

import psycopg

from learnwire.core.store import embedded


def test_shared_buffers_are_a_quarter_of_memory_within_bounds(monkeypatch):
    assert (
        embedded.MIN_SHARED_BUFFERS_MB
        <= embedded.shared_buffers_mb()
        <= embedded.MAX_SHARED_BUFFERS_MB
    )
    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 2 * 1024 * 256}  # 2 GiB
    monkeypatch.setattr(embedded.os, "sysconf", lambda name: pages[name])
    assert embedded.shared_buffers_mb() == 512
    pages["SC_PHYS_PAGES"] = 256 * 256  # 256 MiB: never below PostgreSQL's default
    assert embedded.shared_buffers_mb() == embedded.MIN_SHARED_BUFFERS_MB


def test_size_buffers_asks_for_them_from_the_next_start(pg_admin_url, monkeypatch):
    monkeypatch.setattr(embedded, "shared_buffers_mb", lambda: 4096)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        try:
            embedded._size_buffers(conn)
            pending = conn.execute(
                "SELECT setting FROM pg_file_settings WHERE name = 'shared_buffers' "
                "AND sourcefile LIKE '%%postgresql.auto.conf'"
            ).fetchall()
            running = conn.execute("SHOW shared_buffers").fetchone()[0]
        finally:
            conn.execute("ALTER SYSTEM RESET shared_buffers")
    assert [r[0] for r in pending] == ["4096MB"]
    assert running == "128MB", "the running server is left alone"
