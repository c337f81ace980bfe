"""A small synthetic catalogue and skill graph for ranker tests (no database needed)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
import pytest

from learnwire.core.learner.state import LearnerState
from learnwire.core.ranker.builtin import BUILTIN_SIGNALS
from learnwire.core.ranker.context import SharedSignals
from learnwire.core.ranker.engine import Ranker, RankerConfig
from learnwire.core.ranker.items import FORMATS, ItemMatrix, SkillGraph
from learnwire.core.ranker.shared import situation_fit

SKILLS = [
    ("feedback", "feedback delivery", "management"),
    ("coaching", "coaching", "management"),
    ("delegation", "delegation", "management"),
    ("sql", "SQL", "data"),
    ("statistics", "statistics", "data"),
    ("presenting", "presenting", "communication"),
]
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def build(seed: int = 0, per_skill: int = 8) -> tuple[ItemMatrix, SharedSignals]:
    rng = np.random.default_rng(seed)
    n_skills = len(SKILLS)
    prereq = np.zeros((n_skills, n_skills), np.float32)
    prereq[1, 0] = 0.6  # coaching needs feedback
    prereq[4, 3] = 0.5  # statistics needs sql
    graph = SkillGraph(
        [s[0] for s in SKILLS], [s[1] for s in SKILLS], [s[2] for s in SKILLS], prereq
    )
    n = n_skills * per_skill
    item_skill = np.zeros((n, n_skills), np.float32)
    dim = 16
    axes = rng.normal(size=(n_skills, dim))
    embedding = np.zeros((n, dim), np.float32)
    for i in range(n):
        s = i // per_skill
        item_skill[i, s] = 1.0
        v = axes[s] + 0.3 * rng.normal(size=dim)
        embedding[i] = v / np.linalg.norm(v)
    items = ItemMatrix(
        ids=[uuid.UUID(int=i + 1) for i in range(n)],
        titles=[f"{SKILLS[i // per_skill][1]} #{i % per_skill}" for i in range(n)],
        providers=["demo"] * n,
        launch_urls=[f"https://x/{i}" for i in range(n)],
        activity_ids=[f"https://x/a/{i}" for i in range(n)],
        item_skill=item_skill,
        difficulty=np.tile(np.linspace(0.2, 0.8, per_skill), n_skills).astype(np.float32),
        duration=rng.choice([4, 8, 12, 18], size=n).astype(np.float32),
        format_code=rng.integers(0, 4, size=n).astype(np.int16),
        embedding=embedding,
        skills=graph,
    )
    skill_vectors = np.stack([axes[s] / np.linalg.norm(axes[s]) for s in range(n_skills)])
    vectors = {"feedback_conversation": skill_vectors[0].astype(np.float32)}
    shared = SharedSignals(
        situation_vectors=vectors,
        skill_vectors=skill_vectors.astype(np.float32),
        situation_fit=situation_fit(items, vectors, {}),
    )
    return items, shared


def state(items: ItemMatrix, **kw) -> LearnerState:
    st = LearnerState(
        learner_id=uuid.uuid4(),
        n_skills=len(items.skills.ids),
        n_formats=len(FORMATS),
        role_name="team lead",
    )
    for key, value in kw.items():
        setattr(st, key, value)
    return st


def ranker(items, shared, **config) -> Ranker:
    return Ranker([cls() for cls in BUILTIN_SIGNALS], items, shared, RankerConfig(**config))


@pytest.fixture
def catalogue():
    return build()


@pytest.fixture
def make_state():
    return state


@pytest.fixture
def make_ranker():
    return ranker
