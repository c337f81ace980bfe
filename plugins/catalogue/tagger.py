"""The tagging job: suggest every live item's skills and bring ``content_skill`` up to date.

Items are read in batches by id; each batch's machine suggestions are replaced and its
applied tags rewritten in one transaction, so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ...core.embedding import Embedder
from ...core.store import Database
from .boilerplate import Boilerplate
from .tag_store import materialise
from .tagging import (
    REVIEW_FLOOR,
    Calibration,
    similarity_to_skills,
    skill_text,
    suggest,
    unit_rows,
)

BATCH = 256


@dataclass
class TagReport:
    items: int = 0
    suggestions: int = 0
    applied: int = 0
    threshold: float = 0.0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def retag(
    db: Database,
    embedder: Embedder,
    calibration: Calibration,
    *,
    flag_limit: int,
    threshold: float | None = None,
    changed_only: bool = False,
) -> TagReport:
    """Tag every live item, or with ``changed_only`` those changed since their last tagging
    (or never tagged)."""
    started = time.perf_counter()
    threshold = calibration.apply_threshold if threshold is None else threshold
    report = TagReport(threshold=threshold)
    with db.connection() as conn:
        skills = conn.execute("SELECT id, name, description FROM skill ORDER BY id").fetchall()
    if not skills:
        return report
    skill_ids = [r[0] for r in skills]
    template = _library_template(db)
    skill_vecs = unit_rows(np.asarray(embedder.embed([skill_text(r[1], r[2]) for r in skills])))
    after = uuid.UUID(int=0)
    while True:
        with db.connection() as conn:
            rows = conn.execute(
                "SELECT c.id, c.title, c.summary FROM content_item c WHERE c.retired_at IS NULL "
                "AND c.id > %s AND (NOT %s OR NOT EXISTS (SELECT 1 FROM skill_tag t WHERE "
                "t.content_id = c.id AND t.origin = 'machine' AND t.tagged_at >= c.updated_at)) "
                "ORDER BY c.id LIMIT %s",
                (after, changed_only, BATCH),
            ).fetchall()
        if not rows:
            break
        after = rows[-1][0]
        stripped = [template.strip(r[1], r[2] or "") for r in rows]
        similarity = similarity_to_skills(embedder, stripped, skill_vecs)
        candidates = [c for c in suggest(similarity, calibration) if c.confidence >= REVIEW_FLOOR]
        ids = [r[0] for r in rows]
        with db.connection() as conn, conn.transaction():
            conn.execute(
                "DELETE FROM skill_tag WHERE origin = 'machine' AND content_id = ANY(%s)", (ids,)
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO skill_tag (content_id, skill_id, origin, weight, similarity, "
                    "confidence, rank) VALUES (%s, %s, 'machine', %s, %s, %s, %s) "
                    "ON CONFLICT (content_id, skill_id) DO UPDATE SET "
                    "similarity = excluded.similarity, rank = excluded.rank",
                    [
                        (
                            ids[c.item],
                            skill_ids[c.skill],
                            max(0.05, round(c.confidence, 3)),
                            c.similarity,
                            c.confidence,
                            c.rank,
                        )
                        for c in candidates
                    ],
                )
            report.applied += materialise(
                conn, threshold=threshold, flag_limit=flag_limit, content_ids=ids
            )
        report.items += len(rows)
        report.suggestions += len(candidates)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _library_template(db: Database) -> Boilerplate:
    """The live library's template text, read with a server-side cursor (flat memory)."""
    with db.connection() as conn, conn.transaction(), conn.cursor(name="template") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT title, coalesce(summary, '') FROM content_item WHERE retired_at IS NULL"
        )
        return Boilerplate.learn((title, summary) for title, summary in cur)
