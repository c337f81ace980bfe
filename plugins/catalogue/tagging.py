"""Skill suggestions for content from text alone, with a calibrated confidence.

An item's title and description and each skill's name and description are embedded with
the offline embedder; an item's similarity to a skill blends that of its whole text with
that of its title alone (``item_similarity``), and every item's ``TOP_K`` most similar
skills are candidates. Raw cosine
similarity is a poor probability (its scale depends on the embedder and on how wordy the
skill descriptions are), so each candidate's confidence comes from a logistic (Platt)
calibration over three features: the similarity, its gap to the item's best similarity,
and its rank. The calibration is fitted on labelled items (the sample library with
``bench/tagging.py --fit``, or the store's own confirmed tags); the fitted coefficients
ship in ``data/calibration.json`` with the data and embedder they came from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ...core.embedding import Embedder

TOP_K = 5
#: Candidates below this confidence are dropped, not queued for review.
REVIEW_FLOOR = 0.2
DEFAULT_CALIBRATION = Path(__file__).parent / "data" / "calibration.json"
#: The precision auto-applied tags are meant to reach (issue 15): what apply thresholds are
#: chosen for, the shipped calibration's and each organisation's co-label model's.
TARGET_PRECISION = 0.88


def item_text(title: str, summary: str) -> str:
    """What an item is tagged from: never its current skills, so tags cannot echo tags."""
    return f"{title.strip()}. {summary.strip()}" if summary.strip() else title.strip()


#: Share of an item's similarity to a skill that comes from its title alone (the rest from
#: title and description together). A title states what an item teaches; a description also
#: carries side topics, scenarios and delivery detail that pull its embedding towards
#: neighbouring skills. Chosen by grouped cross-validation on the sample library (0.3, 0.5
#: and 0.7 compared, ``bench/tagging.py``), never on the held-out set.
TITLE_WEIGHT = 0.5


def item_similarity(
    text_vecs: np.ndarray, title_vecs: np.ndarray, skill_vecs: np.ndarray
) -> np.ndarray:
    """Items x skills similarity from unit embeddings of the items' ``item_text``, of their
    titles alone and of the skills' ``skill_text``."""
    return (1.0 - TITLE_WEIGHT) * (text_vecs @ skill_vecs.T) + TITLE_WEIGHT * (
        title_vecs @ skill_vecs.T
    )


def similarity_to_skills(
    embedder: Embedder, items: Sequence[tuple[str, str]], skill_vecs: np.ndarray
) -> np.ndarray:
    """Items x skills :func:`item_similarity` for ``(title, description)`` pairs: what the
    tagger suggests from, and what ``bench/tagging.py`` measures."""
    texts = unit_rows(np.asarray(embedder.embed([item_text(t, d) for t, d in items])))
    titles = unit_rows(np.asarray(embedder.embed([t for t, _ in items])))
    return item_similarity(texts, titles, skill_vecs)


def skill_text(name: str, description: str) -> str:
    return f"{name}. {description.strip()}" if description.strip() else name


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


@dataclass(frozen=True)
class Candidate:
    item: int
    skill: int
    rank: int
    similarity: float
    confidence: float
    #: For a co-label candidate, the text candidate it was proposed from
    #: (:mod:`.colabel`); None when the item's text proposed it.
    via: int | None = None


def candidate_features(similarity: np.ndarray, top_k: int = TOP_K) -> tuple[np.ndarray, ...]:
    """The ``top_k`` skills of every item and their features.

    :returns: ``(items, skills, ranks, features)``; features are rows of
        ``[similarity, similarity - item's best, 1 if rank 1 else 0]``.
    """
    n, m = similarity.shape
    k = min(top_k, m)
    if n == 0 or k == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros((0, 3), dtype=np.float64)
    order = np.argsort(-similarity, axis=1)[:, :k]
    sims = np.take_along_axis(similarity, order, axis=1).astype(np.float64)
    gap = sims - sims[:, :1]
    ranks = np.broadcast_to(np.arange(1, k + 1), (n, k))
    items = np.repeat(np.arange(n), k)
    features = np.stack(
        [sims.ravel(), gap.ravel(), (ranks == 1).astype(np.float64).ravel()], axis=1
    )
    return items, order.ravel(), ranks.ravel(), features


def logistic(intercept: float, coef: Sequence[float], features: np.ndarray) -> np.ndarray:
    """``sigmoid(intercept + coef . features)`` per row of ``features``."""
    z = intercept + features @ np.asarray(coef)
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Calibration:
    """``confidence = sigmoid(intercept + coef . features)`` with its provenance."""

    coef: tuple[float, ...]
    intercept: float
    apply_threshold: float
    fitted_on: str
    embedder: str

    def confidence(self, features: np.ndarray) -> np.ndarray:
        return logistic(self.intercept, self.coef, features)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path = DEFAULT_CALIBRATION) -> Calibration:
        data = json.loads(path.read_text())
        data["coef"] = tuple(data["coef"])
        return cls(**data)


def fit_platt(
    features: np.ndarray, labels: np.ndarray, *, l2: float = 1e-3, iterations: int = 50
) -> tuple[tuple[float, ...], float]:
    """Logistic regression by Newton's method (a few features, thousands of rows)."""
    x = np.hstack([np.ones((len(features), 1)), features])
    y = labels.astype(np.float64)
    w = np.zeros(x.shape[1])
    penalty = l2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return tuple(float(c) for c in w[1:]), float(w[0])


def suggest(similarity: np.ndarray, calibration: Calibration) -> list[Candidate]:
    items, skills, ranks, features = candidate_features(similarity)
    confidence = calibration.confidence(features)
    return [
        Candidate(int(i), int(s), int(r), float(f[0]), float(c))
        for i, s, r, f, c in zip(items, skills, ranks, features, confidence, strict=True)
    ]


def threshold_for_precision(
    confidence: np.ndarray, labels: np.ndarray, target: float, *, min_count: int = 20
) -> float:
    """The lowest confidence threshold whose applied set reaches ``target`` precision."""
    order = np.argsort(-confidence)
    hits = np.cumsum(labels[order])
    counts = np.arange(1, len(order) + 1)
    precision = hits / counts
    ok = np.flatnonzero((precision >= target) & (counts >= min_count))
    if len(ok) == 0:
        return 1.0
    return float(confidence[order][ok[-1]])
