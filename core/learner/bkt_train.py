"""Fitting BKT: per-skill parameters by EM from learners' answer sequences.

:func:`fit` takes ``(student, skill, correct)`` events, :func:`fit_arrays` the same as
arrays, :func:`fit_skill` one skill's sequences. All run Baum-Welch on every sequence of
every skill at once (:mod:`learnwire.core.learner.bkt_fit`); the result is a
:class:`~learnwire.core.learner.bkt.BKTModel`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from . import bkt_fit as _f
from . import bkt_pack
from .bkt import _INIT, DEFAULT_PARAMS, MAX_GUESS_SLIP, BKTModel, BKTParams, _factorize, _sequences


def _inits(n_skills: int, n_restarts: int, seed: int | None, max_guess: float, max_slip: float):
    """Initial parameter tables: the fixed start, then random ones for extra restarts."""
    yield np.tile(_INIT.as_array(), (n_skills, 1))
    rng = np.random.default_rng(seed)
    for _ in range(n_restarts - 1):
        lo = np.array([0.05, 0.01, 0.01, 0.01, 0.0])
        hi = np.array([0.95, 0.5, max_guess, max_slip, 0.3])
        yield rng.uniform(lo, hi, size=(n_skills, 5))


def _fit_packed(
    packed: bkt_pack.Packed,
    *,
    forget: bool,
    n_iter: int,
    tol: float,
    seed: int | None,
    n_restarts: int,
    max_guess: float,
    max_slip: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """EM from each start; keep, per skill, the run with the highest likelihood."""
    runs = []
    total_it = 0
    for init in _inits(packed.n_skills, max(n_restarts, 1), seed, max_guess, max_slip):
        p, ll, it = _f.em(
            packed,
            init,
            forget=forget,
            n_iter=n_iter,
            tol=tol,
            max_guess=max_guess,
            max_slip=max_slip,
        )
        total_it += it
        runs.append((p, ll))
    # There is always at least one start (n_restarts is raised to 1).
    best_p, best_ll = runs[0]
    for p, ll in runs[1:]:
        better = ll > best_ll
        best_p[better], best_ll[better] = p[better], ll[better]
    return best_p, best_ll, total_it


def fit_skill(
    sequences: Iterable[Sequence[bool | int]],
    *,
    forget: bool = False,
    n_iter: int = 300,
    tol: float = 1e-6,
    seed: int | None = 0,
    n_restarts: int = 1,
    max_guess: float = MAX_GUESS_SLIP,
    max_slip: float = MAX_GUESS_SLIP,
) -> BKTParams:
    """Fit one skill by EM on its learner sequences (each a chronological list of 0/1).

    ``tol`` is the log-likelihood gain per response below which EM stops; ``seed`` drives the
    random starts used when ``n_restarts > 1``. Raises ``ValueError`` without responses.
    """
    seqs = [np.asarray(s, dtype=np.int64) for s in sequences]
    lens = np.array([len(s) for s in seqs], dtype=np.int64)
    if lens.sum() == 0:
        raise ValueError("no responses to fit")
    seqs_nonempty = [s for s in seqs if len(s)]
    seq_id = np.repeat(np.arange(len(seqs_nonempty)), lens[lens > 0])
    packed = bkt_pack.pack(seq_id, np.zeros(len(seqs_nonempty), np.int64), np.concatenate(seqs))
    p, _, _ = _fit_packed(
        packed,
        forget=forget,
        n_iter=n_iter,
        tol=tol,
        seed=seed,
        n_restarts=n_restarts,
        max_guess=max_guess,
        max_slip=max_slip,
    )
    return BKTParams.from_array(p[0])


def fit_arrays(
    students: Sequence[Hashable] | np.ndarray,
    skills: Sequence[Hashable] | np.ndarray,
    correct: Sequence[int] | np.ndarray,
    *,
    forget: bool = False,
    n_iter: int = 300,
    tol: float = 1e-6,
    seed: int | None = 0,
    n_restarts: int = 1,
    min_sequences: int = 3,
    min_responses: int = 20,
    max_guess: float = MAX_GUESS_SLIP,
    max_slip: float = MAX_GUESS_SLIP,
) -> BKTModel:
    """Fit every skill of a column-oriented event log (events in chronological order).

    Integer numpy columns take a fast sort-based path; see :func:`fit` for the parameters.
    """
    st_code, _ = _factorize(students)
    sk_code, labels = _factorize(skills)
    correct = np.asarray(correct, dtype=np.int64)
    if not len(st_code) == len(sk_code) == len(correct):
        raise ValueError("students, skills and correct must have the same length")
    n_sk = len(labels)
    seq_id, seq_skill = _sequences(st_code, sk_code, n_sk)
    n_seq = np.bincount(seq_skill, minlength=n_sk)
    n_resp = np.bincount(sk_code, minlength=n_sk)
    eligible = (n_seq >= min_sequences) & (n_resp >= min_responses)
    fitted = np.flatnonzero(eligible)
    table = np.empty((n_sk, 5))
    loglik = np.full(n_sk, np.nan)
    iterations = 0
    if len(fitted):
        # Drop the defaulted skills' events and renumber the rest 0..len(fitted)-1.
        remap = np.full(n_sk, -1)
        remap[fitted] = np.arange(len(fitted))
        keep_seq = eligible[seq_skill]
        new_seq = np.cumsum(keep_seq) - 1
        keep_ev = keep_seq[seq_id]
        packed = bkt_pack.pack(
            new_seq[seq_id[keep_ev]], remap[seq_skill[keep_seq]], correct[keep_ev]
        )
        p, ll, iterations = _fit_packed(
            packed,
            forget=forget,
            n_iter=n_iter,
            tol=tol,
            seed=seed,
            n_restarts=n_restarts,
            max_guess=max_guess,
            max_slip=max_slip,
        )
        table[fitted], loglik[fitted] = p, ll
        default = BKTParams.from_array(np.median(p, axis=0))
    else:
        default = DEFAULT_PARAMS
    table[~eligible] = default.as_array()
    return BKTModel(
        params={lab: BKTParams.from_array(table[i]) for i, lab in enumerate(labels)},
        default=default,
        defaulted=frozenset(labels[i] for i in np.flatnonzero(~eligible)),
        forget=forget,
        n_sequences={lab: int(n_seq[i]) for i, lab in enumerate(labels)},
        n_responses={lab: int(n_resp[i]) for i, lab in enumerate(labels)},
        loglik={lab: float(loglik[i]) for i, lab in enumerate(labels)},
        iterations=iterations,
    )


def fit(
    events: Iterable[tuple[Hashable, Hashable, bool | int]],
    *,
    forget: bool = False,
    n_iter: int = 300,
    tol: float = 1e-6,
    seed: int | None = 0,
    n_restarts: int = 1,
    min_sequences: int = 3,
    min_responses: int = 20,
    max_guess: float = MAX_GUESS_SLIP,
    max_slip: float = MAX_GUESS_SLIP,
) -> BKTModel:
    """Fit per-skill BKT parameters from ``(student, skill, correct)`` events in order.

    Events of one student on one skill form a sequence in the order given. ``forget`` also
    learns a per-skill forget rate. EM stops after ``n_iter`` iterations or once no skill
    gains more than ``tol`` log-likelihood per response; ``n_restarts > 1`` adds random starts
    drawn from ``seed`` and keeps the most likely per skill. Guess and slip are capped at
    ``max_guess``/``max_slip`` (< 0.5) to rule out the degenerate "knowing means failing"
    solutions. Skills below ``min_sequences`` or ``min_responses`` are defaulted.
    """
    students, skills, correct = [], [], []
    for student, skill, ok in events:
        students.append(student)
        skills.append(skill)
        correct.append(1 if ok else 0)
    return fit_arrays(
        students,
        skills,
        correct,
        forget=forget,
        n_iter=n_iter,
        tol=tol,
        seed=seed,
        n_restarts=n_restarts,
        min_sequences=min_sequences,
        min_responses=min_responses,
        max_guess=max_guess,
        max_slip=max_slip,
    )
