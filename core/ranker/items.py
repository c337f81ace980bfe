"""The catalogue as arrays: every live item's skills, difficulty, duration, format and
embedding, loaded once and shared by every ranking so scoring a learner is a few vector
operations rather than a query per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from uuid import UUID

import numpy as np
import psycopg

from ..embedders.content import embedding_array
from ..models import ContentFormat

FORMATS: tuple[str, ...] = tuple(f.value for f in ContentFormat)


@dataclass
class SkillGraph:
    """Skills by index, with prerequisite edges as a dense matrix (skills are few)."""

    ids: list[str]
    names: list[str]
    domains: list[str]
    #: prereq_level[s, p] = min mastery of p needed before s (0 = no edge).
    prereq_level: np.ndarray

    @property
    def index(self) -> dict[str, int]:
        return {sid: i for i, sid in enumerate(self.ids)}

    def adjacent(self, s: int) -> np.ndarray:
        """Skills one prerequisite edge away from ``s`` in either direction, or same domain."""
        return self.adjacency[s]

    @cached_property
    def prerequisites(self) -> list[tuple[tuple[int, float], ...]]:
        """``prerequisites[s]``: (prerequisite, minimum level) pairs of skill ``s``."""
        return [
            tuple((int(p), float(row[p])) for p in np.flatnonzero(row)) for row in self.prereq_level
        ]

    @cached_property
    def adjacency(self) -> np.ndarray:
        """``adjacency[s]``: :meth:`adjacent` for every skill at once (read-only)."""
        linked = (self.prereq_level > 0) | (self.prereq_level.T > 0)
        domains = np.array(self.domains, dtype=object)
        out = linked | (domains[:, None] == domains[None, :])
        np.fill_diagonal(out, False)
        out.flags.writeable = False
        return out


@dataclass
class ItemMatrix:
    ids: list[UUID]
    titles: list[str]
    providers: list[str]
    launch_urls: list[str]
    activity_ids: list[str | None]
    #: item_skill[i, s] = weight of skill s in item i (rows sum to >= 0).
    item_skill: np.ndarray
    difficulty: np.ndarray
    duration: np.ndarray
    format_code: np.ndarray
    #: Unit-length embeddings; rows of zeros for items not embedded yet.
    embedding: np.ndarray
    skills: SkillGraph
    #: machine_skill[i, s]: item i's tag of skill s was applied by the machine tagger (not
    #: the provider or an admin); None when the catalogue has no machine tags.
    machine_skill: np.ndarray | None = None
    position: dict[UUID, int] = field(default_factory=dict)
    by_activity: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.by_activity = {a: i for i, a in enumerate(self.activity_ids) if a}

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def primary_skill(self) -> np.ndarray:
        """Each item's main skill (its heaviest); the catalogue arrays never change."""
        if self.item_skill.shape[1] == 0:
            return np.zeros(len(self.ids), np.int64)
        return np.argmax(self.item_skill, axis=1)

    @cached_property
    def skill_share(self) -> np.ndarray:
        """Each skill's weight relative to the item's main skill (1 for the main skill): how
        much of what the item teaches goes to it."""
        top = self.item_skill.max(axis=1, keepdims=True) if self.item_skill.size else 0
        return np.divide(self.item_skill, top, out=np.zeros_like(self.item_skill), where=top > 0)

    @cached_property
    def skills_of(self) -> list[tuple[tuple[int, float], ...]]:
        """``skills_of[i]``: item ``i``'s (skill, :attr:`skill_share`) pairs, for code that
        handles one item at a time (replaying a learner's history)."""
        share = self.skill_share
        return [tuple((int(s), float(row[s])) for s in np.flatnonzero(row)) for row in share]

    @cached_property
    def skill_unit(self) -> np.ndarray:
        """Each item's skill weights scaled to unit length (zeros for an item without skills):
        the skill overlap of two items is the dot product of their rows."""
        norms = np.linalg.norm(self.item_skill, axis=1, keepdims=True)
        return np.divide(
            self.item_skill, norms, out=np.zeros_like(self.item_skill), where=norms > 0
        )

    def format_name(self, i: int) -> str:
        return FORMATS[int(self.format_code[i])]


def load_skill_graph(conn: psycopg.Connection[Any]) -> SkillGraph:
    rows = conn.execute("SELECT id, name, domain FROM skill ORDER BY id").fetchall()
    ids = [r[0] for r in rows]
    index = {sid: i for i, sid in enumerate(ids)}
    prereq = np.zeros((len(ids), len(ids)), dtype=np.float32)
    for skill, requires, level in conn.execute(
        "SELECT skill_id, requires_skill_id, min_level FROM skill_prerequisite"
    ):
        prereq[index[skill], index[requires]] = level
    return SkillGraph(ids, [r[1] for r in rows], [r[2] for r in rows], prereq)


def load_items(conn: psycopg.Connection[Any]) -> ItemMatrix:
    """Every live (not retired) item, in a stable order."""
    skills = load_skill_graph(conn)
    sindex = skills.index
    # Binary results: parsing 10,000 embeddings from pgvector's text form took a second.
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT id, title, provider, launch_url, activity_id, difficulty, duration_minutes, "
            "format, embedding FROM content_item WHERE retired_at IS NULL ORDER BY id"
        ).fetchall()
    n = len(rows)
    position = {r[0]: i for i, r in enumerate(rows)}
    item_skill = np.zeros((n, len(skills.ids)), dtype=np.float32)
    machine = np.zeros(item_skill.shape, dtype=bool)
    # content_skill holds only applied tags (review and rejected ones live elsewhere).
    for cid, sid, weight, by_machine in conn.execute(
        "SELECT cs.content_id, cs.skill_id, cs.weight, cs.origin = 'machine' FROM content_skill "
        "cs JOIN content_item c ON c.id = cs.content_id WHERE c.retired_at IS NULL"
    ):
        item_skill[position[cid], sindex[sid]] = weight
        machine[position[cid], sindex[sid]] = by_machine
    vectors = [None if r[8] is None else embedding_array(r[8]) for r in rows]
    dim = next((len(v) for v in vectors if v is not None), 384)
    embedding = np.zeros((n, dim), dtype=np.float32)
    for i, v in enumerate(vectors):
        if v is not None:
            norm = float(np.linalg.norm(v))
            embedding[i] = v / norm if norm else v
    fmt = {f: k for k, f in enumerate(FORMATS)}
    return ItemMatrix(
        ids=[r[0] for r in rows],
        titles=[r[1] for r in rows],
        providers=[r[2] for r in rows],
        launch_urls=[r[3] for r in rows],
        activity_ids=[r[4] for r in rows],
        item_skill=item_skill,
        difficulty=np.array([r[5] for r in rows], dtype=np.float32),
        duration=np.array([r[6] for r in rows], dtype=np.float32),
        format_code=np.array([fmt.get(r[7], fmt["other"]) for r in rows], dtype=np.int16),
        embedding=embedding,
        skills=skills,
        machine_skill=machine if machine.any() else None,
    )
