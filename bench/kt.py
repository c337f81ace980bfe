"""Benchmark knowledge tracing: BKT and the logistic model on ASSISTments 2009 and STATICS.

Fits on the training learners, then for each test learner and skill seen in training
predicts P(correct) before each response and updates with it (one-step-ahead, as pyBKT's
evaluation; every model scores the same predictions), and prints test AUC, RMSE, fitting
time and the cost of one constant-time update. BKT's batch predictions are checked against
its one-at-a-time update on every test sequence.

    python bench/kt.py [--data DIR] [--statics DIR] [--forget | --no-forget] [--restarts N]

Without --forget/--no-forget both BKT variants run. STATICS 2011 is the second data set,
never used to choose anything: take ``data/STATICS/STATICS_{train,test}.csv`` and
``STATICS_qid_sid_sname`` from the DKVMN repository (jennyzhang0215/DKVMN on GitHub).

``--pybkt PYTHON`` (or ``LEARNWIRE_PYBKT_PYTHON``) fits pyBKT in the same run from a side
environment, and the run says "pyBKT not available" without one; for instance
``python3 -m venv /tmp/pybkt && /tmp/pybkt/bin/pip install pyBKT "numpy<2" "pandas<2.3"
"scikit-learn<1.5"`` (pyBKT 1.4.3 needs those older releases; where its C++ core cannot be
built it runs its pure-Python one, slower than the README's figures).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass
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
from learnwire.core.learner import bkt, bkt_train, kt_logistic  # noqa: E402

#: An interpreter with pyBKT installed, when --pybkt is not given.
PYBKT_ENV = "LEARNWIRE_PYBKT_PYTHON"
# pyBKT 1.4.3 (C++ core) on the same files and machine class, from the data set's README.
REFERENCE = {False: ("pyBKT", 0.7538, 0.4162, 2.8), True: ("pyBKT", 0.8180, 0.3929, 4.5)}


@dataclass
class DataSet:
    """Train and test columns; ``seen`` marks test events on a skill seen in training (the
    events every model is scored on)."""

    name: str
    train_st: np.ndarray
    train_sk: np.ndarray
    train_ok: np.ndarray
    test_st: np.ndarray
    test_sk: np.ndarray
    test_ok: np.ndarray
    train_it: np.ndarray | None = None
    test_it: np.ndarray | None = None

    @property
    def seen(self) -> np.ndarray:
        return np.isin(self.test_sk, np.unique(self.train_sk))

    def test(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = self.seen
        return self.test_st[m], self.test_sk[m], self.test_ok[m]


def load_assistments(data: Path) -> DataSet:
    tr, te = load(data / "train.csv"), load(data / "test.csv")
    return DataSet("ASSISTments 2009", *tr, *te)


def load_three_line(path: Path, skill_of: dict[int, int], first_id: int = 0):
    """DKVMN's format: per learner, a line with the count, one of item ids, one of 0/1."""
    lines = [ln.strip().rstrip(",") for ln in path.read_text().splitlines() if ln.strip()]
    st, it, ok = [], [], []
    for k in range(0, len(lines) - 2, 3):
        items = [int(v) for v in lines[k + 1].split(",")]
        st += [first_id + k // 3] * len(items)
        it += items
        ok += [int(float(v)) for v in lines[k + 2].split(",")]
    it_arr = np.array(it, dtype=np.int64)
    return np.array(st), np.array([skill_of[i] for i in it]), np.array(ok), it_arr


def load_statics(data: Path) -> DataSet:
    """STATICS 2011 (Carnegie Mellon OLI statics course) as shipped in the DKVMN repository:
    1,223 problem steps as items, their 98 knowledge components as skills."""
    rows = (data / "STATICS_qid_sid_sname").read_text().splitlines()[1:]
    skill_of = {int(r.split("\t")[0]): int(r.split("\t")[1]) for r in rows if r.strip()}
    st, sk, ok, it = load_three_line(data / "STATICS_train.csv", skill_of)
    st2, sk2, ok2, it2 = load_three_line(data / "STATICS_test.csv", skill_of, int(st.max()) + 1)
    return DataSet("STATICS 2011", st, sk, ok, st2, sk2, ok2, it, it2)


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
    """Microseconds per log-odds BKT update, responses alternating pseudo-randomly."""
    responses = [bool((i * 2654435761) & 8) for i in range(n)]
    update, x = bkt.logit_update, bkt.logit(params.prior)
    t0 = time.perf_counter()
    for r in responses:
        x = update(x, r, params)
    return (time.perf_counter() - t0) / n * 1e6


def cross_check(model: bkt.BKTModel, st, sk, y, pred) -> tuple[int, float]:
    """Scalar log-odds predictions on every (student, skill) sequence against the vectorised
    pass: (events differing by more than 1e-9, largest difference)."""
    order = np.lexsort((np.arange(len(st)), sk, st))
    bounds = np.flatnonzero(np.r_[True, (np.diff(st[order]) != 0) | (np.diff(sk[order]) != 0)])
    worst, bad = 0.0, 0
    for lo, hi in zip(bounds, np.r_[bounds[1:], len(order)], strict=True):
        idx = order[lo:hi]
        ref = np.asarray(model.predict_sequence(int(sk[idx[0]]), y[idx].tolist()))
        diff = np.abs(ref - pred[idx])
        bad += int((diff > 1e-9).sum())
        worst = max(worst, float(diff.max()))
    return bad, worst


def split_scores(y, pred, st, sk) -> dict[str, float]:
    pos = positions(st, sk)
    early, deep = pos < 5, pos >= 20
    return {
        "auc": auc(y, pred),
        "auc_early": auc(y[early], pred[early]),
        "auc_deep": auc(y[deep], pred[deep]),
        "share_deep": float(deep.mean()),
        "rmse": float(np.sqrt(np.mean((pred - y) ** 2))),
        "n_pred": float(len(pred)),
    }


def run_bkt(data: DataSet, forget: bool, restarts: int) -> dict[str, float]:
    t0 = time.perf_counter()
    model = bkt_train.fit_arrays(
        data.train_st, data.train_sk, data.train_ok, forget=forget, n_restarts=restarts
    )
    fit_s = time.perf_counter() - t0
    st, sk, y = data.test()
    t0 = time.perf_counter()
    pred = model.predict_events(st, sk, y)
    pred_s = time.perf_counter() - t0
    bad, worst = cross_check(model, st, sk, y, pred)
    if bad:
        raise AssertionError(f"scalar and vectorised BKT disagree on {bad} events (max {worst})")
    return {
        **split_scores(y, pred, st, sk),
        "fit_s": fit_s,
        "pred_s": pred_s,
        "iters": float(model.iterations),
        "defaulted": float(len(model.defaulted)),
        "skills": float(len(model.params)),
        "us_update": time_updates(model.params_for(int(data.train_sk[0]))),
        "checked": float(len(y)),
        "worst": worst,
    }


def run_logistic(data: DataSet) -> dict[str, float]:
    items = None if data.train_it is None else data.train_it.tolist()
    t0 = time.perf_counter()
    model = kt_logistic.fit(
        data.train_st.tolist(), data.train_sk.tolist(), data.train_ok.tolist(), items=items
    )
    fit_s = time.perf_counter() - t0
    st, sk, y = data.test()
    test_items = None if data.test_it is None else data.test_it[data.seen].tolist()
    t0 = time.perf_counter()
    # Predict, then update with the answer, one event at a time: the serving path.
    pred = model.predict_events(st.tolist(), sk.tolist(), y.tolist(), items=test_items)
    pass_s = time.perf_counter() - t0
    return {
        **split_scores(y, pred, st, sk),
        "fit_s": fit_s,
        "pred_s": pass_s,
        "iters": float(model.iterations),
        "us_update": pass_s / max(len(y), 1) * 1e6,
    }


# Run by --pybkt in pyBKT's own environment: its fit time and AUC on the same files.
PYBKT_SCRIPT = """
import sys, time, pandas as pd
from pyBKT.models import Model
data, forget = sys.argv[1], sys.argv[2] == "1"
cols = {"student_id": "user_id", "skill_id": "skill_name"}
tr = pd.read_csv(data + "/train.csv").rename(columns=cols)
te = pd.read_csv(data + "/test.csv").rename(columns=cols)
tr["order_id"], te["order_id"] = range(len(tr)), range(len(te))
for frame in (tr, te):  # pyBKT reads ids as strings
    frame["user_id"], frame["skill_name"] = frame.user_id.astype(str), frame.skill_name.astype(str)
model = Model(seed=42, num_fits=1)
t0 = time.perf_counter()
model.fit(data=tr, forgets=forget)
fit_s = time.perf_counter() - t0
te = te[te.skill_name.isin(tr.skill_name.unique())]
print(fit_s, model.evaluate(data=te, metric="auc"))
"""


def run_pybkt(python: str, data: Path, forget: bool) -> tuple[float, float] | str:
    """(fit seconds, test AUC) from pyBKT installed for ``python``, or why not."""
    done = subprocess.run(
        [python, "-c", PYBKT_SCRIPT, str(data), "1" if forget else "0"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["failed"])[-1]
    fit_s, auc_value = done.stdout.split()[-2:]
    return float(fit_s), float(auc_value)


def report(data: DataSet, variants: list[bool], restarts: int, reference: bool) -> None:
    print(
        f"\n{data.name}: {len(data.train_ok):,} training answers, "
        f"{int(data.seen.sum()):,} test predictions"
    )
    print(
        f"{'model':<32}{'AUC':>8}{'RMSE':>8}{'fit s':>8}{'iters':>7}{'us/upd':>8}"
        f"{'early':>8}{'deep':>8}" + ("   reference (AUC, RMSE, fit s)" if reference else "")
    )
    rows = [(f"BKT{' + forget' if f else ''}", f, run_bkt(data, f, restarts)) for f in variants]
    rows.append(("logistic KT (BKT+LR)", None, run_logistic(data)))
    for name, forget, r in rows:
        ref = ""
        if reference and forget is not None:
            who, a, e, t = REFERENCE[forget]
            ref = f"   {who}: {a:.4f}, {e:.4f}, {t:.1f}"
        print(
            f"{'learnwire ' + name:<32}{r['auc']:>8.4f}{r['rmse']:>8.4f}{r['fit_s']:>8.2f}"
            f"{int(r['iters']):>7}{r['us_update']:>8.2f}{r['auc_early']:>8.4f}"
            f"{r['auc_deep']:>8.4f}{ref}"
        )
    checked = [r for _, f, r in rows if f is not None]
    print(
        f"(early: AUC on answers 1-5 of a learner's run on a skill; deep: 21st and later, "
        f"{rows[0][2]['share_deep']:.0%} of predictions. BKT's batch pass and its one-at-a-"
        f"time log-odds update agree on all {int(checked[0]['checked']):,} test predictions "
        f"of every sequence, largest difference {max(r['worst'] for r in checked):.1e}; "
        f"us/upd for the logistic model is one prediction plus one update; "
        f"{int(checked[0]['defaulted'])}/{int(checked[0]['skills'])} skills defaulted in BKT.)"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared/data/assistments2009")
    ap.add_argument(
        "--statics",
        type=Path,
        default=None,
        help="folder with DKVMN's STATICS_train.csv, STATICS_test.csv and "
        "STATICS_qid_sid_sname (a second data set, never tuned on)",
    )
    ap.add_argument(
        "--forget",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run only BKT with (--forget) or without (--no-forget) forgetting",
    )
    ap.add_argument("--restarts", type=int, default=1, help="EM starts per skill")
    ap.add_argument(
        "--pybkt",
        default=os.environ.get(PYBKT_ENV) or None,
        metavar="PYTHON",
        help="an interpreter with pyBKT installed (a side environment): fit pyBKT "
        f"on ASSISTments 2009 in the same run and print its fit time and AUC (default: "
        f"${PYBKT_ENV})",
    )
    args = ap.parse_args(argv)
    missing = [f for f in ("train.csv", "test.csv") if not (args.data / f).is_file()]
    if missing:
        ap.error(
            f"no {' or '.join(missing)} in {args.data.resolve()}: pass --data DIR, the "
            "ASSISTments 2009 skill-builder split (student_id, skill_id, correct, step)"
        )
    if args.statics is not None and not (args.statics / "STATICS_train.csv").is_file():
        ap.error(f"no STATICS_train.csv in {args.statics.resolve()}")
    variants = [False, True] if args.forget is None else [args.forget]
    report(load_assistments(args.data.resolve()), variants, args.restarts, reference=True)
    if args.pybkt:
        for forget in variants:
            got = run_pybkt(args.pybkt, args.data.resolve(), forget)
            name = f"pyBKT{' + forget' if forget else ''} (this run)"
            if isinstance(got, str):
                print(f"{name}: could not run: {got}")
            else:
                print(f"{name:<32}{got[1]:>8.4f}{'':>8}{got[0]:>8.2f}")
    else:
        print(f"pyBKT not available in this run (pass --pybkt PYTHON or set {PYBKT_ENV})")
    if args.statics is not None:
        report(load_statics(args.statics.resolve()), variants, args.restarts, reference=False)


if __name__ == "__main__":
    main()
