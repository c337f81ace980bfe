"""Signals shared by every learner's ranking, computed once per catalogue load:

- item-item co-occurrence ("people who completed this also completed that"), counted only
  over pairs at least ``k`` different people share, so no peer can be singled out;
- a vector per skill and per work situation in the embedding space, so a learner's need and
  their upcoming week can be matched against content semantically.
"""

from __future__ import annotations

from itertools import pairwise
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
    """Per item, the items most often completed by the same people (cosine of the two
    items' sets of people), over pairs at least ``k`` people share.

    The database returns who completed what; the pairs are counted here. Counting them in
    SQL (a self-join grouped by item pair) took 4 s at 10,000 learners, in every process
    that loads the model; this takes a fraction of that.
    """
    # Who completed what, as each person's live catalogue positions: the database maps
    # content ids to positions, so no per-row id parsing or lookup happens in Python.
    rows = conn.execute(
        """
        WITH live AS (
            SELECT id, n - 1 AS pos FROM unnest(%s::uuid[]) WITH ORDINALITY AS t(id, n)
        )
        SELECT array_agg(DISTINCT live.pos) FROM learning_event e
        JOIN live ON live.id = e.content_id
        WHERE NOT e.voided
          AND e.data_category IN ('behavioural', 'assessment')
          AND (e.completion OR e.success
               OR e.verb LIKE '%%/completed' OR e.verb LIKE '%%/passed')
          AND NOT EXISTS (SELECT 1 FROM policy_opt_out o WHERE o.learner_id = e.learner_id
                          AND o.family = 'learning_activity')
        GROUP BY e.learner_id
        """,
        (items.ids,),
    ).fetchall()
    sizes = np.array([len(r[0]) for r in rows], np.int64)
    who = np.repeat(np.arange(len(rows)), sizes)
    what = np.fromiter((p for r in rows for p in r[0]), np.int64, count=int(sizes.sum()))
    return _pairs(who, what, len(items), k=k)


#: Item pairs counted at once: bounds memory (a few hundred MB) whatever the history length.
PAIR_CHUNK = 4_000_000


def _pairs(
    who: np.ndarray, what: np.ndarray, n_items: int, *, k: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """:func:`cooccurrence` from (person, item) rows sorted by person, each pair once."""
    if who.size == 0:
        return {}
    popularity = np.bincount(what, minlength=n_items)
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    sizes = np.diff(np.r_[starts, who.size])
    # People in chunks of about PAIR_CHUNK pairs; each chunk's pair counts are reduced at
    # once, and the chunks' counts summed at the end.
    load = np.cumsum(sizes * sizes)
    cut = np.searchsorted(load, np.arange(PAIR_CHUNK, int(load[-1]), PAIR_CHUNK))
    codes_parts, count_parts = [], []
    for lo, hi in pairwise(np.unique(np.r_[0, cut, len(starts)])):
        codes, counts = _count_pairs(what, starts[lo:hi], sizes[lo:hi], n_items)
        codes_parts.append(codes)
        count_parts.append(counts)
    codes, inverse = np.unique(np.concatenate(codes_parts), return_inverse=True)
    together = np.bincount(inverse, weights=np.concatenate(count_parts)).astype(np.int64)
    shared = together >= k  # k-anonymity: no pair fewer than k people share
    codes, together = codes[shared], together[shared]
    if codes.size == 0:
        return {}
    a, b = codes // n_items, codes % n_items
    weight = together / np.sqrt(popularity[a] * popularity[b].astype(np.float64))
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # Rows are grouped by item a (codes are sorted); keep each item's strongest neighbours.
    for lo, hi in pairwise(np.flatnonzero(np.r_[True, a[1:] != a[:-1], True])):
        order = np.argsort(-weight[lo:hi], kind="stable")[:NEIGHBOURS_PER_ITEM]
        out[int(a[lo])] = (b[lo:hi][order], weight[lo:hi][order].astype(np.float32))
    return out


def _count_pairs(
    what: np.ndarray, starts: np.ndarray, sizes: np.ndarray, n_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ordered item pairs (``a * n_items + b``, a != b) within each person's rows
    (``starts``, ``sizes``), and how many people each pair has."""
    if starts.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # Row r of a person whose rows span [start, start + size) pairs with each row of it.
    rows = np.arange(starts[0], starts[-1] + sizes[-1])  # the people's rows are contiguous
    size_of_row = np.repeat(sizes, sizes)
    left = np.repeat(rows, size_of_row)
    first = np.repeat(np.repeat(starts, sizes), size_of_row)
    offsets = np.arange(left.size) - np.repeat(np.cumsum(size_of_row) - size_of_row, size_of_row)
    a, b = what[left], what[first + offsets]
    keep = a != b
    return np.unique(a[keep] * n_items + b[keep], return_counts=True)


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
