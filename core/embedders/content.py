"""Content embeddings in pgvector: the job that fills missing ones and the nearest-item query.

A content item's embedding is derived from its title, summary and skill names. The catalogue
clears it whenever the item changes (``upsert_content``), so "embedding IS NULL" is the whole
work queue: running the job again embeds only what is new or changed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from ..embedding import Embedder
from ..errors import ConfigurationError
from ..store import Database, one

Conn = psycopg.Connection[Any]

#: pgvector's HNSW search explores this many candidates at least (its own default is 40).
MIN_EF_SEARCH = 40
MAX_EF_SEARCH = 1000

_PENDING = (
    "SELECT c.id, c.title, c.summary, COALESCE((SELECT array_agg(s.name ORDER BY cs.weight "
    "DESC, s.name) FROM content_skill cs JOIN skill s ON s.id = cs.skill_id "
    "WHERE cs.content_id = c.id), '{}') FROM content_item c "
    "WHERE c.embedding IS NULL AND c.retired_at IS NULL ORDER BY c.id LIMIT %s "
    # Rows stay locked while they are embedded, so concurrent runs split the work.
    "FOR UPDATE OF c SKIP LOCKED"
)


@dataclass(frozen=True)
class EmbedReport:
    """What one run of the job did."""

    embedder: str
    embedded: int
    pending: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "embedder": self.embedder,
            "embedded": self.embedded,
            "pending": self.pending,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class NearestContent:
    """A live content item and its cosine similarity to the query vector."""

    id: uuid.UUID
    title: str
    similarity: float


def content_text(title: str, summary: str, skills: Sequence[str]) -> str:
    """The text a content item is embedded from."""
    parts = [title.strip()]
    if summary.strip():
        parts.append(summary.strip())
    if skills:
        parts.append("Skills: " + ", ".join(skills))
    return "\n".join(parts)


def embedding_array(value: Any) -> np.ndarray:
    """A stored embedding as float32 numpy; pgvector's psycopg loader yields ``Vector``
    objects, which ``np.asarray(..., dtype=np.float32)`` cannot convert."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)


def column_dimension(conn: Conn) -> int:
    """The dimension of ``content_item.embedding`` (pgvector keeps it in the type modifier)."""
    row = one(
        conn.execute(
            "SELECT atttypmod FROM pg_attribute WHERE attrelid = 'content_item'::regclass "
            "AND attname = 'embedding'"
        )
    )
    return int(row[0])


def embed_pending(db: Database, embedder: Embedder, *, batch_size: int = 128) -> EmbedReport:
    """Embed every live content item whose embedding is missing; returns the counts.

    Each batch is committed on its own, so an interrupted run keeps what it finished and
    the next run continues from there.
    """
    started = time.perf_counter()
    with db.connection() as conn:
        dimension = column_dimension(conn)
    if embedder.dimension != dimension:
        raise ConfigurationError(
            f"embedder {embedder.name!r} makes {embedder.dimension}-dimensional vectors but "
            f"content_item.embedding holds {dimension}; choose an embedder of dimension "
            f"{dimension} (LEARNWIRE_EMBEDDER) or migrate the column and its index"
        )
    embedded = 0
    while True:
        with db.connection() as conn:
            rows = conn.execute(_PENDING, (batch_size,)).fetchall()
            if not rows:
                break
            vectors = _vectors(embedder, [content_text(r[1], r[2], r[3]) for r in rows])
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE content_item SET embedding = %s WHERE id = %s",
                    [(vector, row[0]) for vector, row in zip(vectors, rows, strict=True)],
                )
        embedded += len(rows)
    with db.connection() as conn:
        pending = one(
            conn.execute(
                "SELECT count(*) FROM content_item WHERE embedding IS NULL AND retired_at IS NULL"
            )
        )[0]
    return EmbedReport(embedder.name, embedded, pending, time.perf_counter() - started)


def _vectors(embedder: Embedder, texts: list[str]) -> np.ndarray:
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    if vectors.shape != (len(texts), embedder.dimension):
        raise ConfigurationError(
            f"embedder {embedder.name!r} returned vectors of shape {vectors.shape} for "
            f"{len(texts)} texts; expected ({len(texts)}, {embedder.dimension})"
        )
    return vectors


def nearest_content(
    conn: Conn,
    vector: Sequence[float] | np.ndarray,
    limit: int,
    exclude_retired: bool = True,
) -> list[NearestContent]:
    """The ``limit`` embedded items closest to ``vector`` by cosine distance, nearest first.

    Answered by the HNSW index (``ORDER BY embedding <=> vector``), so it is approximate
    on large catalogues. Search settings are set with ``SET LOCAL`` semantics: they last
    until ``conn``'s current transaction ends.
    """
    if limit <= 0:
        return []
    query = np.asarray(vector, dtype=np.float32)
    ef_search = min(MAX_EF_SEARCH, max(MIN_EF_SEARCH, 2 * limit))
    # pgvector >= 0.8 keeps scanning the graph when the retired filter removes candidates,
    # instead of returning fewer than ``limit`` rows.
    conn.execute(
        "SELECT set_config('hnsw.ef_search', %s, true), CASE WHEN (SELECT "
        "string_to_array(extversion, '.')::int[] >= '{0,8}' FROM pg_extension "
        "WHERE extname = 'vector') THEN set_config('hnsw.iterative_scan', 'strict_order', "
        "true) END",
        (str(ef_search),),
    )
    retired = "AND retired_at IS NULL " if exclude_retired else ""
    rows = conn.execute(
        "SELECT id, title, 1 - (embedding <=> %(v)s) FROM content_item "
        f"WHERE embedding IS NOT NULL {retired}ORDER BY embedding <=> %(v)s LIMIT %(n)s",
        {"v": query, "n": limit},
    ).fetchall()
    return [NearestContent(r[0], r[1], float(r[2])) for r in rows]
