"""The organisation's own labelling conventions, learnt from its reviewed tags.

An organisation often tags by convention as well as by content: every advanced item of
skill A also gets B, whatever its text says. A tagger that reads only the text can never
propose B there. From the tags people made or confirmed (the providers' own tags, admins'
accepts and adds, never a machine tag nor a rejected one), :class:`CoLabels` counts, for
each pair of skills (A, B) and each difficulty band of the item (the band of the item's
difficulty on A's levels, as the curation reports place it), how many items tagged A are
also tagged B. A is one of the item's **primary** tags (those with its highest weight; with
equal weights every tag is primary): what an item is mainly about is what its text can
suggest, and a skill that is only a side tag of many items says little about what else an
item mainly about it gets. The rate is shrunk towards a prior for thin counts (Beta prior,
see :meth:`CoLabels.rate`).

An item whose text suggests A (a text candidate at or above the review floor) then gets
every B that co-occurred with A at least once as an extra candidate, with features: the
shrunk co-label rate in the item's band and over all bands, how many reviewed items the
band's rate rests on, A's text confidence and the item's own similarity to B.
:func:`fit_colabel` fits a second logistic calibration on those features from the
organisation's reviewed items, each scored with rates counted from the other folds only
(an item never vouches for itself), and chooses the model's own apply threshold
(:func:`cautious_threshold`). Nothing here is shipped: with no reviewed tags there is no
model and no extra candidate.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .tagging import REVIEW_FLOOR, Candidate, fit_platt, logistic

#: Strength of the Beta prior, in items: a rate starts from B's share of all reviewed items
#: as if that had been seen on this many items of A. Two items is a weak prior chosen before
#: measuring: three items of a band that all agree move the rate three fifths of the way.
PRIOR_ITEMS = 2.0
#: The calibration needs this many rows of each class among the reviewed items' co-label
#: candidates; fewer, and nothing is proposed (too little to tell a convention from chance).
MIN_EACH_CLASS = 10
FOLDS = 5
N_FEATURES = 5

#: ``band_of(skill, difficulty)``: the band index of an item of that difficulty on the
#: skill's levels.
BandOf = Callable[[int, float], int]


@dataclass(frozen=True)
class ReviewedItem:
    """One item's reviewed tags (skill indices), the primary ones among them (its highest
    weight) and its difficulty."""

    skills: frozenset[int]
    primary: frozenset[int]
    difficulty: float

    @classmethod
    def from_weights(cls, weights: dict[int, float], difficulty: float) -> ReviewedItem:
        top = max(weights.values())
        primary = frozenset(s for s, w in weights.items() if w >= top - 1e-6)
        return cls(frozenset(weights), primary, difficulty)


class CoLabels:
    """Counts of reviewed items with primary tag A, and of those also tagged B, per band of
    the item on A."""

    def __init__(self, items: Sequence[ReviewedItem], band_of: BandOf) -> None:
        self.band_of = band_of
        self.items = len(items)
        self.tagged: Counter[int] = Counter()  # items with primary tag a
        self.any_tag: Counter[int] = Counter()  # items tagged b, any weight
        self.tagged_band: Counter[tuple[int, int]] = Counter()
        self.pair: Counter[tuple[int, int]] = Counter()
        self.pair_band: Counter[tuple[int, int, int]] = Counter()
        self.partners: dict[int, set[int]] = defaultdict(set)
        for item in items:
            self.any_tag.update(item.skills)
            for a in item.primary:
                band = band_of(a, item.difficulty)
                self.tagged[a] += 1
                self.tagged_band[a, band] += 1
                for b in item.skills - {a}:
                    self.pair[a, b] += 1
                    self.pair_band[a, b, band] += 1
                    self.partners[a].add(b)

    def rate(self, a: int, b: int, band: int) -> tuple[float, float, int]:
        """The shrunk share of items with primary tag ``a`` also tagged ``b``: in ``band``,
        and over all bands; and the number of items with primary tag ``a`` in ``band``.

        Each share has a Beta prior of strength :data:`PRIOR_ITEMS` (m) centred on ``p_b``,
        the share of all reviewed items tagged ``b`` (any weight): ``(n_ab + m p_b) /
        (n_a + m)``. A band with no items of ``a`` is at ``b``'s base rate, not at the pair's
        rate in other bands: a convention may hold in one band and not another.
        """
        m = PRIOR_ITEMS
        base = self.any_tag[b] / self.items if self.items else 0.0
        pooled = (self.pair[a, b] + m * base) / (self.tagged[a] + m)
        support = self.tagged_band[a, band]
        return (self.pair_band[a, b, band] + m * base) / (support + m), pooled, support


@dataclass(frozen=True)
class Proposals:
    """Co-label candidates: item row, proposed skill, the text candidate that led to it
    and the features ``[band rate, rate over all bands, log(1 + band support), A's
    confidence, the item's similarity to B]``."""

    items: np.ndarray
    skills: np.ndarray
    via: np.ndarray
    features: np.ndarray


def propose(
    colabels: CoLabels,
    text: Sequence[Candidate],
    difficulty: Sequence[float],
    similarity: np.ndarray,
) -> Proposals:
    """For each item, every skill B that co-occurred with one of its text candidates A
    (confidence >= the review floor), with the A that gives B the highest
    ``rate x confidence``."""
    best: dict[tuple[int, int], tuple[float, int, list[float]]] = {}
    for c in text:
        if c.confidence < REVIEW_FLOOR:
            continue
        band = colabels.band_of(c.skill, float(difficulty[c.item]))
        for b in colabels.partners.get(c.skill, ()):
            rate, pooled, support = colabels.rate(c.skill, b, band)
            score = rate * c.confidence
            key = (c.item, b)
            if key not in best or score > best[key][0]:
                features = [rate, pooled, float(np.log1p(support)), c.confidence,
                            float(similarity[c.item, b])]  # fmt: skip
                best[key] = (score, c.skill, features)
    keys = sorted(best)
    return Proposals(
        items=np.array([k[0] for k in keys], dtype=np.int64),
        skills=np.array([k[1] for k in keys], dtype=np.int64),
        via=np.array([best[k][1] for k in keys], dtype=np.int64),
        features=np.array([best[k][2] for k in keys], dtype=np.float64).reshape(-1, N_FEATURES),
    )


@dataclass(frozen=True)
class CoLabelModel:
    """The organisation's co-label counts and the calibration of their candidates."""

    colabels: CoLabels
    coef: tuple[float, ...]
    intercept: float
    #: The lowest confidence at which its candidates reached the target precision, with
    #: 90 % confidence, on the reviewed items (out-of-fold); a co-label tag applies at this
    #: or the tagger's threshold, whichever is higher.
    apply_threshold: float
    reviewed_items: int

    def confidence(self, features: np.ndarray) -> np.ndarray:
        return logistic(self.intercept, self.coef, features)

    def candidates(
        self, text: Sequence[Candidate], difficulty: Sequence[float], similarity: np.ndarray
    ) -> list[Candidate]:
        """Co-label candidates of the items at or above the review floor."""
        found = propose(self.colabels, text, difficulty, similarity)
        confidence = self.confidence(found.features)
        return [
            Candidate(int(i), int(s), 0, float(similarity[i, s]), float(p), via=int(v))
            for i, s, v, p in zip(found.items, found.skills, found.via, confidence, strict=True)
            if p >= REVIEW_FLOOR
        ]


def fit_colabel(
    reviewed: Sequence[ReviewedItem],
    text: Sequence[Candidate],
    similarity: np.ndarray,
    folds: np.ndarray,
    band_of: BandOf,
    *,
    target_precision: float,
) -> CoLabelModel | None:
    """The co-label model of an organisation, or None when its reviewed tags are too few.

    :param reviewed: every reviewed item; the counts come from all of them.
    :param similarity: skills similarity of the first ``len(similarity)`` reviewed items,
        the ones the calibration is fitted on (all of them, or a sample put first).
    :param text: those items' text candidates (``Candidate.item`` indexes ``reviewed``).
    :param folds: each reviewed item's fold (twins share one); an item's features are
        counted from the other folds, so it never vouches for itself.
    :param target_precision: what the model's own apply threshold must reach.
    """
    if not reviewed:
        return None
    features: list[np.ndarray] = []
    labels: list[bool] = []
    keys = np.unique(folds[: len(similarity)])
    difficulty = [r.difficulty for r in reviewed]
    for k in keys:
        counts = CoLabels([r for i, r in enumerate(reviewed) if folds[i] != k], band_of)
        found = propose(counts, [c for c in text if folds[c.item] == k], difficulty, similarity)
        features.append(found.features)
        labels.extend(
            int(s) in reviewed[int(i)].skills
            for i, s in zip(found.items, found.skills, strict=True)
        )
    x, y = np.vstack(features), np.array(labels, dtype=np.bool_)
    if y.sum() < MIN_EACH_CLASS or (~y).sum() < MIN_EACH_CLASS:
        return None
    row_folds = np.concatenate([np.full(len(f), k) for f, k in zip(features, keys, strict=True)])
    out_of_fold = np.zeros(len(y))
    for k in keys:
        held = row_folds == k
        if held.all() or not y[~held].any() or y[~held].all():
            continue  # too little left to fit: those rows keep confidence 0
        c, i = fit_platt(x[~held], y[~held])
        out_of_fold[held] = 1.0 / (1.0 + np.exp(-(i + x[held] @ np.asarray(c))))
    threshold = cautious_threshold(out_of_fold, y, target_precision)
    coef, intercept = fit_platt(x, y)
    return CoLabelModel(CoLabels(reviewed, band_of), coef, intercept, threshold, len(reviewed))


#: One-sided 90 % normal quantile: the co-label threshold's precision is judged by the
#: lower bound of its Wilson interval, not by the observed share.
WILSON_Z = 1.2816


def cautious_threshold(confidence: np.ndarray, labels: np.ndarray, target: float) -> float:
    """The lowest confidence whose applied set's precision is at least ``target`` with
    90 % confidence (Wilson lower bound); 1.0 when none is.

    An organisation's co-label model is fitted on its own, often few, reviewed items; the
    plain observed precision of a few dozen candidates clears the target by chance too
    often (on the sample library it chose thresholds that gave 0.61 on unseen items).
    """
    order = np.argsort(-confidence)
    hits = np.cumsum(labels[order])
    n = np.arange(1, len(order) + 1)
    p = hits / n
    z2 = WILSON_Z**2
    lower = (p + z2 / (2 * n) - WILSON_Z * np.sqrt(p * (1 - p) / n + z2 / (4 * n**2))) / (
        1 + z2 / n
    )
    ok = np.flatnonzero(lower >= target)
    return float(confidence[order][ok[-1]]) if len(ok) else 1.0


def merge(text: Sequence[Candidate], colabel: Sequence[Candidate]) -> list[Candidate]:
    """One candidate per item and skill: the more confident of its text and co-label
    candidates (two calibrated views of the same tag; the stronger one is kept)."""
    out = {(c.item, c.skill): c for c in text}
    for c in colabel:
        key = (c.item, c.skill)
        if key not in out or c.confidence > out[key].confidence:
            out[key] = c
    return [out[k] for k in sorted(out)]


def grouped_folds(keys: Sequence[str], n: int = FOLDS) -> np.ndarray:
    """Fold of each item from a key twins share (so twins share a fold), stable across
    runs."""
    return np.array([zlib.crc32(k.encode()) % n for k in keys], dtype=np.int64)
