"""Benchmark BKT on ASSISTments 2009 against pyBKT's reference figures.

Fits on train.csv, then for each test student and skill seen in train predicts P(correct)
before each response and updates with it (one-step-ahead, as pyBKT's evaluation), and prints
test AUC, RMSE, fitting time and the cost of one constant-time posterior update.

    python bench/kt.py [--data DIR] [--forget | --no-forget] [--restarts N]

Without --forget/--no-forget both variants run.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import io
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _import_learnwire() -> None:
    """Map the `learnwire` namespace onto the repo root when it is not installed."""
    try:
        import learnwire  # noqa: F401
    except ImportError:
        spec = importlib.machinery.ModuleSpec("learnwire", None, is_package=True)
        spec.submodule_search_locations = [str(ROOT)]
        sys.modules["learnwire"] = importlib.util.module_from_spec(spec)


_import_learnwire()
from learnwire.core.learner import bkt  # noqa: E402

# pyBKT 1.4.3 (C++ core) on the same files and machine class, from the data set's README.
REFERENCE = {False: ("pyBKT", 0.7538, 0.4162, 2.8), True: ("pyBKT", 0.8180, 0.3929, 4.5)}


def load(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(student, skill, correct) int columns; student ids lose their s/t prefix."""
    text = path.read_text().translate(str.maketrans("", "", "st"))
    body = text.split("\n", 1)[1]
    cols = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.int64, usecols=(0, 1, 2))
    return cols[:, 0], cols[:, 1], cols[:, 2]


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC via the Mann-Whitney statistic, with average ranks for ties."""
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    # Average rank of each run of tied scores.
    edges = np.flatnonzero(np.diff(s)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(s)]))
    ranks = np.empty(len(s))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    pos = y.astype(bool)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def positions(students: np.ndarray, skills: np.ndarray) -> np.ndarray:
    """Index of each event within its (student, skill) sequence."""
    key = students * (int(skills.max()) + 1) + skills
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(key[order]) != 0])
    lengths = np.diff(np.r_[starts, len(key)])
    pos = np.empty(len(key), dtype=np.int64)
    pos[order] = np.arange(len(key)) - np.repeat(starts, lengths)
    return pos


def time_updates(params: bkt.BKTParams, n: int = 1_000_000) -> float:
    """Microseconds per posterior_update call, responses alternating pseudo-randomly."""
    responses = [bool((i * 2654435761) & 8) for i in range(n)]
    update, p = bkt.posterior_update, params.prior
    t0 = time.perf_counter()
    for r in responses:
        p = update(p, r, params)
    return (time.perf_counter() - t0) / n * 1e6


def run(data: Path, forget: bool, restarts: int) -> dict[str, float]:
    t0 = time.perf_counter()
    tr_st, tr_sk, tr_ok = load(data / "train.csv")
    te_st, te_sk, te_ok = load(data / "test.csv")
    parse_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    model = bkt.fit_arrays(tr_st, tr_sk, tr_ok, forget=forget, n_restarts=restarts)
    fit_s = time.perf_counter() - t0

    seen = np.isin(te_sk, np.fromiter(model.params, dtype=np.int64))
    t0 = time.perf_counter()
    pred = model.predict_events(te_st[seen], te_sk[seen], te_ok[seen])
    pred_s = time.perf_counter() - t0
    y = te_ok[seen]

    # Cross-check the vectorised predictions against the scalar update on a few sequences.
    for st in np.unique(te_st[seen])[:20]:
        for sk in np.unique(te_sk[seen & (te_st == st)]):
            m = (te_st[seen] == st) & (te_sk[seen] == sk)
            ref = model.predict_sequence(int(sk), y[m].tolist())
            assert np.allclose(ref, pred[m]), "scalar and vectorised predictions disagree"

    # Where the AUC comes from: early responses vs deep into long (student, skill) sequences.
    pos = positions(te_st[seen], te_sk[seen])
    early, deep = pos < 5, pos >= 20
    return {
        "auc": auc(y, pred),
        "auc_early": auc(y[early], pred[early]),
        "auc_deep": auc(y[deep], pred[deep]),
        "share_deep": float(deep.mean()),
        "rmse": float(np.sqrt(np.mean((pred - y) ** 2))),
        "n_pred": float(len(pred)),
        "fit_s": fit_s,
        "parse_s": parse_s,
        "pred_s": pred_s,
        "iters": float(model.iterations),
        "defaulted": float(len(model.defaulted)),
        "skills": float(len(model.params)),
        "us_update": time_updates(model.params_for(int(tr_sk[0]))),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared/data/assistments2009")
    ap.add_argument(
        "--forget",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run only BKT with (--forget) or without (--no-forget) forgetting",
    )
    ap.add_argument("--restarts", type=int, default=1, help="EM starts per skill")
    args = ap.parse_args(argv)
    missing = [f for f in ("train.csv", "test.csv") if not (args.data / f).is_file()]
    if missing:
        ap.error(
            f"no {' or '.join(missing)} in {args.data.resolve()}: pass --data DIR, the "
            "ASSISTments 2009 skill-builder split (student_id, skill_id, correct, step)"
        )
    variants = [False, True] if args.forget is None else [args.forget]

    print(
        f"{'model':<22}{'AUC':>8}{'RMSE':>8}{'fit s':>8}{'iters':>7}{'us/upd':>8}"
        f"{'preds':>9}   reference (AUC, RMSE, fit s)"
    )
    for forget in variants:
        r = run(args.data.resolve(), forget, args.restarts)
        name = "BKT + forget" if forget else "BKT"
        ref = REFERENCE[forget]
        print(
            f"{'learnwire ' + name:<22}{r['auc']:>8.4f}{r['rmse']:>8.4f}{r['fit_s']:>8.2f}"
            f"{int(r['iters']):>7}{r['us_update']:>8.3f}{int(r['n_pred']):>9}   "
            f"{ref[0]}: {ref[1]:.4f}, {ref[2]:.4f}, {ref[3]:.1f}"
        )
        print(
            f"{'':<22}(parse {r['parse_s']:.2f} s, predict {r['pred_s']:.3f} s, "
            f"{int(r['defaulted'])}/{int(r['skills'])} skills defaulted; AUC on responses "
            f"1-5 of a sequence {r['auc_early']:.4f}, on 21st+ ({r['share_deep']:.0%} of "
            f"predictions) {r['auc_deep']:.4f})"
        )


if __name__ == "__main__":
    main()
