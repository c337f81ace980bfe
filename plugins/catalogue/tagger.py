"""The tagging job: suggest every live item's skills and bring ``content_skill`` up to date.

Each run first learns the organisation's co-labelling from its reviewed tags
(:mod:`.colabel`; nothing when it has too few), then reads items in batches by id; each
batch's machine suggestions (from the text, and from co-labelling) are replaced and its
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
from .colabel import CoLabelModel, ReviewedItem, fit_colabel, grouped_folds, merge
from .reports import DEFAULT_BANDS, band_of_level, skill_bands
from .tag_store import materialise, reviewed_tags
from .tagging import (
    REVIEW_FLOOR,
    TARGET_PRECISION,
    Calibration,
    similarity_to_skills,
    skill_text,
    suggest,
    unit_rows,
)

BATCH = 256
#: The co-label calibration is fitted on at most this many reviewed items (a pseudo-random
#: sample; each is embedded at every run that tags something, so this bounds the cost); its
#: counts come from all of them.
FIT_ITEMS = 1000


@dataclass
class TagReport:
    items: int = 0
    suggestions: int = 0
    applied: int = 0
    threshold: float = 0.0
    seconds: float = 0.0
    #: Live items with reviewed tags, what co-labelling is learnt from.
    reviewed_items: int = 0
    colabel_suggestions: int = 0
    #: The co-label model's own apply threshold; None when there was no model this run.
    colabel_threshold: float | None = None

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
    model: CoLabelModel | None = None
    fitted = False
    after = uuid.UUID(int=0)
    while True:
        with db.connection() as conn:
            rows = conn.execute(
                "SELECT c.id, c.title, c.summary, c.difficulty FROM content_item c "
                "WHERE c.retired_at IS NULL "
                "AND c.id > %s AND (NOT %s OR NOT EXISTS (SELECT 1 FROM skill_tag t WHERE "
                "t.content_id = c.id AND t.origin = 'machine' AND t.tagged_at >= c.updated_at)) "
                "ORDER BY c.id LIMIT %s",
                (after, changed_only, BATCH),
            ).fetchall()
        if not rows:
            break
        if not fitted:  # only a run that tags something learns the co-labelling
            model, report.reviewed_items = _colabel_model(
                db, embedder, calibration, skill_ids, skill_vecs, template
            )
            fitted = True
            if model is not None:
                report.colabel_threshold = round(model.apply_threshold, 3)
        after = rows[-1][0]
        stripped = [template.strip(r[1], r[2] or "") for r in rows]
        similarity = similarity_to_skills(embedder, stripped, skill_vecs)
        text = suggest(similarity, calibration)
        extra = (
            [] if model is None else model.candidates(text, [float(r[3]) for r in rows], similarity)
        )
        candidates = [c for c in merge(text, extra) if c.confidence >= REVIEW_FLOOR]
        ids = [r[0] for r in rows]
        with db.connection() as conn, conn.transaction():
            conn.execute(
                "DELETE FROM skill_tag WHERE origin = 'machine' AND content_id = ANY(%s)", (ids,)
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO skill_tag (content_id, skill_id, origin, weight, similarity, "
                    "confidence, rank, via_skill_id, apply_at) "
                    "VALUES (%s, %s, 'machine', %s, %s, %s, %s, %s, %s) "
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
                            None if c.via is None else skill_ids[c.via],
                            None if c.via is None or model is None else model.apply_threshold,
                        )
                        for c in candidates
                    ],
                )
            report.applied += materialise(
                conn, threshold=threshold, flag_limit=flag_limit, content_ids=ids
            )
        report.items += len(rows)
        report.suggestions += len(candidates)
        report.colabel_suggestions += sum(c.via is not None for c in candidates)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _colabel_model(
    db: Database,
    embedder: Embedder,
    calibration: Calibration,
    skill_ids: list[str],
    skill_vecs: np.ndarray,
    template: Boilerplate,
) -> tuple[CoLabelModel | None, int]:
    """This organisation's co-label model from its reviewed tags (None when they are too
    few), and how many live items have reviewed tags."""
    index = {s: i for i, s in enumerate(skill_ids)}
    with db.connection() as conn:
        rows = reviewed_tags(conn)
        bands = skill_bands(conn)
    by_index = [bands.get(s) or list(DEFAULT_BANDS) for s in skill_ids]
    reviewed = [
        ReviewedItem.from_weights({index[s]: w for s, w in weights.items()}, difficulty)
        for _, difficulty, _, _, weights in rows
    ]
    if not reviewed:
        return None, 0
    stripped = [template.strip(title, summary) for _, _, title, summary, _ in rows]
    fitting = stripped[:FIT_ITEMS]
    similarity = np.vstack(
        [
            similarity_to_skills(embedder, fitting[i : i + BATCH], skill_vecs)
            for i in range(0, len(fitting), BATCH)
        ]
    )
    model = fit_colabel(
        reviewed,
        suggest(similarity, calibration),
        similarity,
        # Items that differ only in template text (twins) share a fold.
        grouped_folds([" ".join(d.lower().split()) for _, d in stripped]),
        lambda skill, level: band_of_level(by_index[skill], level)[0],
        target_precision=TARGET_PRECISION,
    )
    return model, len(reviewed)


def _library_template(db: Database) -> Boilerplate:
    """The live library's template text, read with a server-side cursor (flat memory)."""
    with db.connection() as conn, conn.transaction(), conn.cursor(name="template") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT title, coalesce(summary, '') FROM content_item WHERE retired_at IS NULL"
        )
        return Boilerplate.learn((title, summary) for title, summary in cur)
