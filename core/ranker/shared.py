"""Signals shared by every learner's ranking, computed once per catalogue load:

- item-item co-occurrence ("people who completed this also completed that"), counted only
  over pairs at least ``k`` different people share, so no peer can be singled out;
- a vector per skill and per work situation in the embedding space, so a learner's need and
  their upcoming week can be matched against content semantically.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import psycopg

from ..embedding import Embedder
from .context import SharedSignals
from .items import ItemMatrix

Conn = psycopg.Connection[Any]

#: What each work situation is about, in words an embedder can match against content.
SITUATION_TEXT: dict[str, str] = {
    "one_to_one": "running a one-to-one meeting with a direct report: listening, coaching, "
    "giving feedback",
    "feedback_conversation": "giving and receiving constructive feedback in a conversation",
    "performance_review": "holding a performance review conversation and setting goals",
    "presentation": "presenting to an audience with clear structure and storytelling",
    "planning_review": "planning, prioritisation and roadmap review with stakeholders",
    "strategy_review": "strategy review, business cases and decision making",
    "interview": "interviewing candidates fairly with structured hiring interviews",
    "negotiation": "negotiating an agreement and handling objections",
    "conflict": "handling conflict and difficult conversations calmly",
    "onboarding_new_report": "onboarding a new team member and the first one-to-ones with "
    "a new report",
    "mentoring": "mentoring and coaching someone to grow their skills",
    "client_meeting": "meeting a customer: discovery, listening and handling objections",
    "workshop": "facilitating a workshop and presenting to a group",
}
#: Lexical cues linking a situation to skills by id or name; embeddings add the semantics.
SITUATION_CUES: dict[str, tuple[str, ...]] = {
    "one_to_one": ("one_to_one", "one-to-one", "1:1", "coaching", "listening", "feedback"),
    "feedback_conversation": ("feedback",),
    "performance_review": ("performance", "goal_setting", "goal setting"),
    "presentation": ("present", "storytelling", "public speaking"),
    "planning_review": ("planning", "prioriti", "roadmap"),
    "strategy_review": ("strateg", "business case", "decision"),
    "interview": ("interview", "hiring"),
    "negotiation": ("negotiat",),
    "conflict": ("conflict", "difficult"),
    "onboarding_new_report": ("onboard", "one_to_one", "delegat"),
    "mentoring": ("coaching", "mentor", "feedback"),
    "client_meeting": ("customer", "client", "negotiat", "stakeholder", "listening"),
    "workshop": ("facilitat", "present", "workshop"),
}
NEIGHBOURS_PER_ITEM = 30


def cooccurrence(
    conn: Conn, items: ItemMatrix, *, k: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    rows = conn.execute(
        """
        WITH done AS (
            SELECT DISTINCT e.learner_id, e.content_id FROM learning_event e
            WHERE e.content_id IS NOT NULL AND NOT e.voided
              AND e.data_category IN ('behavioural', 'assessment')
              AND (e.completion OR e.success OR e.verb ~ '/(completed|passed)$')
              AND NOT EXISTS (SELECT 1 FROM policy_opt_out o WHERE o.learner_id = e.learner_id
                              AND o.family = 'learning_activity')
        ), popularity AS (
            SELECT content_id, count(*) AS n FROM done GROUP BY content_id
        )
        SELECT a.content_id, b.content_id, count(*) AS together, pa.n, pb.n
        FROM done a JOIN done b ON a.learner_id = b.learner_id AND a.content_id <> b.content_id
        JOIN popularity pa ON pa.content_id = a.content_id
        JOIN popularity pb ON pb.content_id = b.content_id
        GROUP BY a.content_id, b.content_id, pa.n, pb.n
        HAVING count(*) >= %s
        """,
        (k,),
    ).fetchall()
    by_item: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a, b, together, na, nb in rows:
        i, j = items.position.get(a), items.position.get(b)
        if i is not None and j is not None:
            by_item[i].append((j, together / np.sqrt(na * nb)))
    out = {}
    for i, pairs in by_item.items():
        pairs.sort(key=lambda p: -p[1])
        pairs = pairs[:NEIGHBOURS_PER_ITEM]
        out[i] = (
            np.array([p[0] for p in pairs], np.int64),
            np.array([p[1] for p in pairs], np.float32),
        )
    return out


def skill_vectors(items: ItemMatrix) -> np.ndarray:
    """Mean embedding of each skill's items, unit length (zeros where a skill has none)."""
    sums = items.item_skill.T @ items.embedding
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0).astype(np.float32)


def situation_vectors(embedder: Embedder | None, dim: int) -> dict[str, np.ndarray]:
    if embedder is None or embedder.dimension != dim:
        return {}
    kinds = sorted(SITUATION_TEXT)
    vectors = embedder.embed([SITUATION_TEXT[k] for k in kinds])
    out = {}
    for kind, vec in zip(kinds, vectors, strict=True):
        v = np.asarray(vec, np.float32)
        out[kind] = v / (np.linalg.norm(v) or 1.0)
    return out


def situation_skills(items: ItemMatrix) -> dict[str, np.ndarray]:
    graph = items.skills
    labels = [f"{sid} {name}".lower() for sid, name in zip(graph.ids, graph.names, strict=True)]
    out = {}
    for kind, cues in SITUATION_CUES.items():
        vec = np.array([any(c in label for c in cues) for label in labels], np.float32)
        if vec.any():
            out[kind] = vec
    return out


def situation_fit(
    items: ItemMatrix, vectors: dict[str, np.ndarray], skills: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per situation, how well each item prepares for it: the better of semantic closeness
    (rescaled cosine) and the share of the item's skills the situation calls on."""
    out = {}
    for kind in set(vectors) | set(skills):
        fit = np.zeros(len(items), np.float32)
        if kind in vectors:
            fit = np.clip((items.embedding @ vectors[kind] - 0.15) / 0.45, 0, 1)
        if kind in skills:
            lexical = items.item_skill @ skills[kind]
            top = float(lexical.max())
            if top > 0:
                fit = np.maximum(fit, lexical / top)
        out[kind] = fit.astype(np.float32)
    return out


def build_shared(
    conn: Conn, items: ItemMatrix, *, k: int, embedder: Embedder | None
) -> SharedSignals:
    embedded = bool(items.embedding.any())
    vectors = situation_vectors(embedder, items.embedding.shape[1]) if embedded else {}
    lexical = situation_skills(items)
    skills = skill_vectors(items) if embedded else None
    return SharedSignals(
        cooccurrence=cooccurrence(conn, items, k=k),
        situation_vectors=vectors,
        situation_skills=lexical,
        skill_vectors=skills,
        situation_fit=situation_fit(items, vectors, lexical),
        item_skill_cosine=None if skills is None else items.embedding @ skills.T,
        item_situation_cosine={kind: items.embedding @ v for kind, v in vectors.items()},
    )
