"""Tagging quality and catalogue import speed.

Quality: every item of the sample library is tagged from its title and description alone
(its skill labels are hidden from the tagger and used only to score it), with the offline
embedder (minilm). Confidence is a Platt calibration; its figures on the sample library
come from 5-fold cross-validation (calibration and threshold fitted on four folds, scored
on the fifth), so no item is scored by a calibration that saw its labels. The apply
threshold is the lowest confidence reaching the target precision on out-of-fold
confidences (within those four folds, a calibration fitted on three scores the fourth).
The held-out set (``tests/plugins/catalogue/data/heldout_catalogue.json``, 108 hand-written
descriptions, written before any tuning; see its ``provenance``) is scored with the
calibration fitted on the whole sample library, the one shipped in
``plugins/catalogue/data/calibration.json``.

Printed per set: precision and recall of the suggestions at the review floor, precision
and recall of auto-applied tags (confidence >= the apply threshold), and how many tags went
to review. Targets (issue 15): auto-applied precision >= 0.88 with recall >= 0.6.

``sample_library_cv_colabel`` adds the co-label candidates (``plugins/catalogue/colabel.py``)
to the same folds: the other four folds' labels, with their weights and the items'
difficulty, play the organisation's reviewed tags; the co-label counts, calibration and
threshold come from them alone. ``sample_library_cv`` is text alone, as before. The
held-out set has no reviewed tags of its own, so no co-label model: its figures are text
alone.

Speed (:mod:`tagging_speed`): a 50,000-item CSV is imported (``learnwire content import``
path) into a fresh embedded PostgreSQL and embedded; prints items/s for each phase and the
process's resident memory sampled while it runs (flat = it does not grow with the file).

    python bench/tagging.py                # quality on both sets
    python bench/tagging.py --fit          # also refit and write the shipped calibration
    python bench/tagging.py --no-colabel   # text-only figures alone
    python bench/tagging.py --keep-template   # the same without stripping template text
    python bench/tagging.py --speed        # import speed (50,000 items; --items N)
    python bench/tagging.py --speed --embed-items 5000   # embed only 5,000 of them
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the bench's sibling modules

import numpy as np
from tagging_speed import speed

from learnwire.plugins.catalogue.tagging import TARGET_PRECISION

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "plugins" / "catalogue" / "data" / "heldout_catalogue.json"


def _sample_library():
    try:  # the sample organisation moves from core/demo to plugins/demo
        from learnwire.plugins.demo.catalogue import library
        from learnwire.plugins.demo.taxonomy import SKILLS
    except ImportError:
        from learnwire.core.demo.catalogue import library
        from learnwire.core.demo.taxonomy import SKILLS
    skills = [(s.id, s.name, s.description) for s in SKILLS]
    ids = [s[0] for s in skills]
    items = [(li.item.title, li.item.summary, {ids[k] for k in li.skills}) for li in library()]
    difficulty = np.array([li.item.difficulty for li in library()])
    # The library's labels with their weights play the organisation's reviewed tags.
    weights = [dict(zip(li.skills, li.weights, strict=True)) for li in library()]
    return skills, items, (difficulty, weights)


def _heldout():
    data = json.loads(HELDOUT.read_text())
    return [(i["title"], i["description"], set(i["skills"])) for i in data["items"]]


def _stripped(items):
    """The items as the tagger reads them: without their set's template text."""
    from learnwire.plugins.catalogue.boilerplate import Boilerplate

    template = Boilerplate.learn((t, d) for t, d, _ in items)
    return [(*template.strip(t, d), skills) for t, d, skills in items]


def _similarity(embedder, skills, items, *, strip=True):
    from learnwire.plugins.catalogue.tagging import similarity_to_skills, skill_text, unit_rows

    skill_vecs = unit_rows(embedder.embed_array([skill_text(s[1], s[2]) for s in skills]))
    read = _stripped(items) if strip else items
    return similarity_to_skills(embedder, [(t, d) for t, d, _ in read], skill_vecs)


def _groups(items):
    """Items that differ only in template text (the same lesson as a video, a guide and
    a practice) form one group, kept in one fold: otherwise a fold's items would be scored
    by a calibration that saw their twins."""
    keys: dict[str, int] = {}
    return np.array(
        [keys.setdefault(" ".join(d.lower().split()), len(keys)) for _, d, _ in _stripped(items)]
    )


def _main_skill_top1(similarity, skills, weights) -> float:
    """Share of items whose most similar skill is their main (highest-weight) label."""
    main = [max(w, key=w.__getitem__) for w in weights]
    return float(np.mean(np.argmax(similarity, axis=1) == np.array(main)))


def _labelled(similarity, skills, items):
    from learnwire.plugins.catalogue.tagging import candidate_features

    rows, cols, _ranks, features = candidate_features(similarity)
    ids = [s[0] for s in skills]
    labels = np.array([ids[c] in items[r][2] for r, c in zip(rows, cols, strict=True)])
    return rows, features, labels


def _fit(features, labels, row_folds, *, embedder: str, fitted_on: str):
    """Platt calibration fitted on every row; its apply threshold chosen on out-of-fold
    confidences (each of ``row_folds`` scored by a calibration fitted on the others).
    In-sample confidences overstate precision: a threshold chosen on them for 0.88 gave
    0.82-0.86 on unseen folds."""
    from learnwire.plugins.catalogue.tagging import Calibration, fit_platt, threshold_for_precision

    coef, intercept = fit_platt(features, labels)
    out_of_fold = np.zeros(len(labels))
    for k in np.unique(row_folds):
        held = row_folds == k
        c, i = fit_platt(features[~held], labels[~held])
        out_of_fold[held] = Calibration(c, i, 1.0, "", embedder).confidence(features[held])
    threshold = threshold_for_precision(out_of_fold, labels, TARGET_PRECISION)
    return Calibration(coef, intercept, threshold, fitted_on, embedder)


def _scores(confidence, labels, total_labels, threshold, floor):
    applied = confidence >= threshold
    suggested = confidence >= floor

    def pr(mask):
        hits = int(labels[mask].sum())
        return (hits / mask.sum() if mask.sum() else float("nan"), hits / total_labels)

    p_s, r_s = pr(suggested)
    p_a, r_a = pr(applied)
    return {
        "suggested_precision": round(p_s, 3),
        "suggested_recall": round(r_s, 3),
        "applied_precision": round(p_a, 3),
        "applied_recall": round(r_a, 3),
        "applied": int(applied.sum()),
        "review": int((suggested & ~applied).sum()),
        "threshold": round(threshold, 3),
    }


def _band_of(skills):
    """Bands of an item's difficulty as the curation reports place them; the sample
    organisation's skills have no levels of their own, so the default bands."""
    from learnwire.plugins.catalogue.reports import DEFAULT_BANDS, band_of_level

    return lambda _skill, level: band_of_level(list(DEFAULT_BANDS), level)[0]


def _text_candidates(similarity, rows, cal):
    """The tagger's text candidates (``suggest``) of the items ``rows``, numbered 0.. in
    that order."""
    from learnwire.plugins.catalogue.tagging import suggest

    return suggest(similarity[rows], cal)


def _colabel_fold(similarity, skills, items, difficulty, weights, folds, k, cal):
    """Fold ``k`` tagged as the product tags it when the other folds' labels are the
    organisation's reviewed tags: the co-label model is counted and calibrated from those
    folds alone. Returns the fold's merged candidates (item = index into ``items``) and
    the model (None when it declined)."""
    from learnwire.plugins.catalogue.colabel import ReviewedItem, fit_colabel, merge

    train = np.flatnonzero(folds != k)
    test = np.flatnonzero(folds == k)
    reviewed = [ReviewedItem.from_weights(weights[i], float(difficulty[i])) for i in train]
    model = fit_colabel(
        reviewed,
        _text_candidates(similarity, train, cal),
        similarity[train],
        folds[train],
        _band_of(skills),
        target_precision=TARGET_PRECISION,
    )
    text = _text_candidates(similarity, test, cal)
    extra = [] if model is None else model.candidates(text, difficulty[test], similarity[test])
    merged = merge(text, extra)
    return [(int(test[c.item]), c) for c in merged], model


def _colabel_cv(similarity, skills, items, reviewed, folds, features, labels, rows):
    """Cross-validated scores of text plus co-label candidates: per fold, the text
    calibration and its threshold as in the text-only figures, the co-label model from
    the other folds' labels."""
    from learnwire.plugins.catalogue.tagging import REVIEW_FLOOR, threshold_for_precision

    ids = [s[0] for s in skills]
    total = sum(len(i[2]) for i in items)
    conf, hit, thr, basis = [], [], [], []
    models = []
    for k in range(5):
        test_rows = folds[rows] == k
        cal = _fit(
            features[~test_rows],
            labels[~test_rows],
            folds[rows][~test_rows],
            embedder="minilm",
            fitted_on="cv",
        )
        found, model = _colabel_fold(similarity, skills, items, *reviewed, folds, k, cal)
        models.append(model)
        for item, c in found:
            conf.append(c.confidence)
            hit.append(ids[c.skill] in items[item][2])
            own = model.apply_threshold if model is not None and c.via is not None else 0.0
            thr.append(max(cal.apply_threshold, own))
            basis.append(c.via is not None)
    conf_a, hit_a, thr_a, via_a = map(np.array, (conf, hit, thr, basis))
    applied = conf_a >= thr_a
    suggested = conf_a >= REVIEW_FLOOR

    def pr(mask):
        n = int(mask.sum())
        h = int(hit_a[mask].sum())
        return round(h / n, 3) if n else float("nan"), round(h / total, 3)

    (p_s, r_s), (p_a, r_a) = pr(suggested), pr(applied)
    p_c, _ = pr(applied & via_a)
    pooled = threshold_for_precision(conf_a, hit_a, TARGET_PRECISION)
    return {
        "items": len(items),
        "labels": total,
        "suggested_precision": p_s,
        "suggested_recall": r_s,
        "applied_precision": p_a,
        "applied_recall": r_a,
        "applied": int(applied.sum()),
        "review": int((suggested & ~applied).sum()),
        "applied_colabel": int((applied & via_a).sum()),
        "applied_colabel_precision": p_c,
        "review_colabel": int((suggested & ~applied & via_a).sum()),
        "candidate_recall": round(int(hit_a.sum()) / total, 3),
        # Recall at the pooled out-of-fold confidence that first reaches the target
        # precision (the attempts table's steadier figure).
        "pooled_recall_at_target": pr(conf_a >= pooled)[1],
        "folds_with_model": sum(m is not None for m in models),
        "colabel_thresholds": [round(m.apply_threshold, 3) for m in models if m is not None],
        "colabel_coef": [
            [round(c, 2) for c in (*m.coef, m.intercept)] for m in models if m is not None
        ],
    }


def quality(fit: bool, strip: bool = True, colabel: bool = True) -> dict:
    from learnwire.core.embedders.minilm import MiniLMSettings, shared_embedder
    from learnwire.plugins.catalogue.tagging import DEFAULT_CALIBRATION, REVIEW_FLOOR, Calibration

    embedder = shared_embedder(MiniLMSettings())
    skills, library, (difficulty, weights) = _sample_library()
    similarity = _similarity(embedder, skills, library, strip=strip)
    rows, features, labels = _labelled(similarity, skills, library)
    total = sum(len(i[2]) for i in library)
    # 5-fold cross-validation over groups of twin items.
    groups = _groups(library)
    folds = (np.random.default_rng(15).permutation(groups.max() + 1) % 5)[groups]
    confidence = np.zeros(len(labels))
    thresholds = np.zeros(len(labels))
    for k in range(5):
        test = folds[rows] == k
        cal = _fit(
            features[~test], labels[~test], folds[rows][~test], embedder="minilm", fitted_on="cv"
        )
        confidence[test] = cal.confidence(features[test])
        thresholds[test] = cal.apply_threshold
    applied = confidence >= thresholds
    with_colabel = (
        _colabel_cv(
            similarity, skills, library, (difficulty, weights), folds, features, labels, rows
        )
        if colabel
        else None
    )
    cv = _scores(confidence, labels, total, 0.0, REVIEW_FLOOR)
    hits = int(labels[applied].sum())
    cv.update(
        applied_precision=round(hits / max(1, applied.sum()), 3),
        applied_recall=round(hits / total, 3),
        applied=int(applied.sum()),
        review=int(((confidence >= REVIEW_FLOOR) & ~applied).sum()),
        threshold=round(float(np.mean([t for t in set(thresholds)])), 3),
    )
    full = _fit(
        features,
        labels,
        folds[rows],
        embedder="minilm",
        fitted_on=f"sample library ({len(library)} items, {total} labels), minilm",
    )
    if fit:
        full.save(DEFAULT_CALIBRATION)
    # Without template stripping (a comparison), the shipped calibration does not apply.
    shipped = Calibration.load(DEFAULT_CALIBRATION) if strip else full
    held = _heldout()
    h_sim = _similarity(embedder, skills, held, strip=strip)
    _, h_features, h_labels = _labelled(h_sim, skills, held)
    h_total = sum(len(i[2]) for i in held)
    heldout = _scores(
        shipped.confidence(h_features), h_labels, h_total, shipped.apply_threshold, REVIEW_FLOOR
    )
    raw_top1 = float(
        np.mean([skills[int(np.argmax(h_sim[i]))][0] in held[i][2] for i in range(len(held))])
    )
    # The held-out set has no reviewed tags of its own: the co-label model declines.
    from learnwire.plugins.catalogue.colabel import fit_colabel

    none = fit_colabel(
        [], [], h_sim, np.zeros(0, dtype=np.int64), _band_of(skills), target_precision=0.88
    )
    assert none is None
    return {
        **({"sample_library_cv_colabel": with_colabel} if with_colabel else {}),
        "sample_library_cv": {
            "items": len(library),
            "groups": int(groups.max() + 1),
            "labels": total,
            **cv,
            # Labels among any item's candidates (its TOP_K most similar skills): no
            # threshold can recall more than this.
            "candidate_recall": round(int(labels.sum()) / total, 3),
            # Items whose most similar skill is their main one (the highest weight): a
            # co-label is right only where this is, so it bounds what co-labels can add.
            "top1_accuracy": round(_main_skill_top1(similarity, skills, weights), 3),
        },
        "heldout": {
            "items": len(held),
            "labels": h_total,
            **heldout,
            "candidate_recall": round(int(h_labels.sum()) / h_total, 3),
            "top1_accuracy": round(raw_top1, 3),
        },
        "calibration": {
            "coef": [round(c, 3) for c in shipped.coef],
            "intercept": round(shipped.intercept, 3),
            "apply_threshold": round(shipped.apply_threshold, 3),
            "review_floor": REVIEW_FLOOR,
        },
        "targets": {"applied_precision": TARGET_PRECISION, "applied_recall": 0.6},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", action="store_true", help="refit the shipped calibration")
    parser.add_argument(
        "--keep-template",
        action="store_true",
        help="compare: tag the items with their template text (calibration fitted in the run)",
    )
    parser.add_argument(
        "--no-colabel",
        action="store_true",
        help="text-only figures alone (skip the co-label cross-validation)",
    )
    parser.add_argument("--speed", action="store_true", help="measure import speed")
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument(
        "--embed-items", type=int, help="embed only this many of them (the rate, sooner)"
    )
    args = parser.parse_args()
    result = (
        speed(args.items, args.embed_items)
        if args.speed
        else quality(
            args.fit and not args.keep_template, not args.keep_template, not args.no_colabel
        )
    )
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
