"""Sync checkpoints: where each source's last stored batch ended."""

from __future__ import annotations

from typing import Any

import psycopg


def get(conn: psycopg.Connection[Any], source: str, stream: str = "") -> str | None:
    row = conn.execute(
        "SELECT checkpoint FROM sync_checkpoint WHERE source = %s AND stream = %s",
        (source, stream),
    ).fetchone()
    return row[0] if row else None


def put(
    conn: psycopg.Connection[Any], source: str, checkpoint: str | None, stream: str = ""
) -> None:
    conn.execute(
        "INSERT INTO sync_checkpoint (source, stream, checkpoint) VALUES (%s, %s, %s) "
        "ON CONFLICT (source, stream) DO UPDATE SET checkpoint = excluded.checkpoint, "
        "updated_at = now()",
        (source, stream, checkpoint),
    )
