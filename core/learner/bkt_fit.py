"""Vectorised forward filtering and Baum-Welch EM for many BKT skills at once.

Every (student, skill) sequence of every skill is fitted in one pass. Sequences are stored
*time-major and packed*: sequences are ranked by length (longest first) and block ``t`` holds
the ``t``-th response of every sequence that is longer than ``t``, in rank order. The
sequences still active at step ``t`` are therefore always a prefix of block ``t - 1``, so each
time step is a handful of numpy calls on contiguous slices, with no padding and no mask; the
Python loop runs ``max_len`` times per pass whatever the number of students or skills.

This module is internal: :mod:`learnwire.core.learner.bkt` is the public API.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Parameter columns of the ``(n_skills, 5)`` arrays used throughout this module.
PRIOR, LEARN, GUESS, SLIP, FORGET = range(5)

# Keeps every probability strictly inside (0, 1) so the filter never divides by zero and a
# single response can never make mastery certain.
_EPS = 1e-6


@dataclass(frozen=True)
class Packed:
    """Time-major packed responses; see the module docstring for the layout.

    ``index[i]`` is the packed position of input event ``i``; ``succ`` are the packed positions
    of ``pred``-recursion successors: position ``succ_from[j]``'s next response is ``succ[j]``.
    """

    obs: np.ndarray  # float64 0/1 per packed response
    skill: np.ndarray  # skill code per packed response
    offsets: np.ndarray  # block t is [offsets[t], offsets[t] + counts[t])
    counts: np.ndarray  # counts[t] = sequences longer than t; counts[max_len] == 0
    index: np.ndarray
    succ_from: np.ndarray
    succ: np.ndarray
    n_skills: int

    @property
    def n_sequences(self) -> int:
        return int(self.counts[0]) if len(self.counts) else 0


def pack(seq_id: np.ndarray, seq_skill: np.ndarray, correct: np.ndarray) -> Packed:
    """Pack events into the time-major layout.

    ``seq_id[i]`` (in ``0..S-1``) is the sequence of event ``i``; events of one sequence must
    appear in chronological order (other sequences may interleave). ``seq_skill[s]`` is the
    integer skill code of sequence ``s``.
    """
    seq_id = np.asarray(seq_id, dtype=np.int64)
    seq_skill = np.asarray(seq_skill, dtype=np.int64)
    n, n_seq = len(seq_id), len(seq_skill)
    lengths = np.bincount(seq_id, minlength=n_seq)
    by_seq = np.argsort(seq_id, kind="stable")
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    pos = np.empty(n, dtype=np.int64)
    pos[by_seq] = np.arange(n) - np.repeat(starts, lengths)
    rank = np.empty(n_seq, dtype=np.int64)
    rank[np.argsort(-lengths, kind="stable")] = np.arange(n_seq)
    max_len = int(lengths.max()) if n else 0
    # counts[t] = #sequences with length > t, via a reversed cumulative histogram.
    counts = np.zeros(max_len + 1, dtype=np.int64)
    counts[:max_len] = np.cumsum(np.bincount(lengths, minlength=max_len + 1)[::-1])[::-1][1:]
    offsets = np.concatenate(([0], np.cumsum(counts)))
    index = offsets[pos] + rank[seq_id]
    obs = np.empty(n)
    obs[index] = np.asarray(correct, dtype=np.float64)
    skill = np.empty(n, dtype=np.int64)
    skill[index] = seq_skill[seq_id]
    has_next = pos < lengths[seq_id] - 1
    succ_from = index[has_next]
    succ = offsets[pos[has_next] + 1] + rank[seq_id[has_next]]
    order = np.argsort(succ_from)
    nsk = int(seq_skill.max()) + 1 if n_seq else 0
    return Packed(obs, skill, offsets, counts, index, succ_from[order], succ[order], nsk)


def forward(packed: Packed, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the filter; return packed ``(odds, e1, e0)``.

    ``odds`` is P(known) / P(unknown) just before each response given the earlier ones
    (up to 1e300, i.e. certain mastery); ``e1``/``e0`` are the likelihoods of the observed
    response if known/unknown.
    """
    p = params[packed.skill]
    obs = packed.obs.astype(bool)
    e1 = np.where(obs, 1.0 - p[:, SLIP], p[:, SLIP])
    e0 = np.where(obs, p[:, GUESS], 1.0 - p[:, GUESS])
    learn, forget = p[:, LEARN], p[:, FORGET]
    # Filter + transition is a Moebius map of the odds, next = (a r + b) / (c r + d), with
    # a, b, c, d >= 0: no cancellation, so relative error stays at rounding level. The same
    # map on the probability subtracts near 1 and an incorrect answer there amplifies the
    # rounding error geometrically, which broke EM on long sequences.
    a = (1.0 - forget) * e1
    b = learn * e0
    c = forget * e1
    d = (1.0 - learn) * e0
    odds = np.empty(len(obs))
    counts, offsets = packed.counts, packed.offsets
    if len(obs):
        prior = p[: counts[0], PRIOR]
        odds[: counts[0]] = prior / (1.0 - prior)
    num = np.empty(int(counts[1]) if len(counts) > 1 else 0)
    den = np.empty_like(num)
    with np.errstate(over="ignore"):
        for t in range(len(counts) - 2):
            m = counts[t + 1]
            lo, nxt = offsets[t], offsets[t + 1]
            cur = odds[lo : lo + m]
            nu, de = num[:m], den[:m]
            np.multiply(a[lo : lo + m], cur, out=nu)
            nu += b[lo : lo + m]
            np.multiply(c[lo : lo + m], cur, out=de)
            de += d[lo : lo + m]
            out = odds[nxt : nxt + m]
            np.divide(nu, de, out=out)
            # Without forgetting the odds grow without bound on long correct runs; an
            # overflow to inf would turn into 0 * inf = nan on the next step.
            np.minimum(out, 1e300, out=out)
    return odds, e1, e0


def predict_correct(packed: Packed, params: np.ndarray) -> np.ndarray:
    """One-step-ahead P(correct) for every input event, in input order."""
    odds, _, _ = forward(packed, params)
    p = params[packed.skill]
    out = (odds * (1.0 - p[:, SLIP]) + p[:, GUESS]) / (1.0 + odds)
    return out[packed.index]


def e_step(packed: Packed, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected sufficient statistics; returns ``(new_params, loglik_per_skill)``.

    ``new_params`` is the unconstrained M-step solution (skills without data keep theirs).
    """
    k = packed.n_skills
    odds, e1, e0 = forward(packed, params)
    joint = odds * e1 + e0  # P(response | earlier) * (1 + odds)
    loglik = np.bincount(packed.skill, np.log(joint) - np.log1p(odds), minlength=k)
    filt = odds * e1 / joint  # P(known | responses so far)
    unfilt = e0 / joint  # its complement, computed without cancellation
    fr, to = packed.succ_from, packed.succ
    learn = params[packed.skill[fr], LEARN]
    forget = params[packed.skill[fr], FORGET]
    q = odds[to] / (1.0 + odds[to])  # P(known at the next response | responses so far)
    not_q = 1.0 / (1.0 + odds[to])
    # Backward (Rauch-Tung-Striebel style) smoother written for two states:
    # P(known_t | all) = v + w * P(known_{t+1} | all), with v, w from the filter only,
    # so the backward loop is two ufuncs per step and needs no scaled beta messages.
    v = np.zeros(len(odds))
    w = np.zeros(len(odds))
    v[fr] = filt[fr] * forget / not_q
    w[fr] = filt[fr] * (1.0 - forget) / q - v[fr]
    gamma = filt  # the last response of a sequence is already smoothed
    counts, offsets = packed.counts, packed.offsets
    for t in range(len(counts) - 3, -1, -1):
        m = counts[t + 1]
        lo, nxt = offsets[t], offsets[t + 1]
        g = gamma[lo : lo + m]
        np.multiply(w[lo : lo + m], gamma[nxt : nxt + m], out=g)
        g += v[lo : lo + m]
    g_next = gamma[to]
    sk_fr = packed.skill[fr]
    learned = np.bincount(sk_fr, unfilt[fr] * learn * g_next / q, minlength=k)
    forgot = np.bincount(sk_fr, filt[fr] * forget * (1.0 - g_next) / not_q, minlength=k)
    known_fr = np.bincount(sk_fr, gamma[fr], minlength=k)
    trans_fr = np.bincount(sk_fr, minlength=k)
    known = np.bincount(packed.skill, gamma, minlength=k)
    total = np.bincount(packed.skill, minlength=k).astype(np.float64)
    correct_known = np.bincount(packed.skill, gamma * packed.obs, minlength=k)
    correct_all = np.bincount(packed.skill, packed.obs, minlength=k)
    first = slice(0, packed.n_sequences)
    prior_num = np.bincount(packed.skill[first], gamma[first], minlength=k)
    prior_den = np.bincount(packed.skill[first], minlength=k)

    new = params.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = {
            PRIOR: prior_num / prior_den,
            LEARN: learned / (trans_fr - known_fr),
            FORGET: forgot / known_fr,
            GUESS: (correct_all - correct_known) / (total - known),
            SLIP: (known - correct_known) / known,
        }
    for col, value in cols.items():
        ok = np.isfinite(value)
        new[ok, col] = value[ok]
    return new, loglik


def project(params: np.ndarray, *, forget: bool, max_guess: float, max_slip: float) -> None:
    """Clip ``params`` in place onto the feasible BKT box."""
    np.clip(params, _EPS, 1.0 - _EPS, out=params)
    params[:, GUESS] = np.minimum(params[:, GUESS], max_guess)
    params[:, SLIP] = np.minimum(params[:, SLIP], max_slip)
    if not forget:
        params[:, FORGET] = 0.0


def em(
    packed: Packed,
    init: np.ndarray,
    *,
    forget: bool,
    n_iter: int,
    tol: float,
    max_guess: float,
    max_slip: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Baum-Welch for all skills in lockstep; returns ``(params, loglik, iterations)``.

    Stops when no skill's log-likelihood per response improved by more than ``tol``.
    """
    params = init.astype(np.float64, copy=True)
    project(params, forget=forget, max_guess=max_guess, max_slip=max_slip)
    n_resp = np.maximum(np.bincount(packed.skill, minlength=packed.n_skills), 1)
    best = np.full(packed.n_skills, -np.inf)
    it = 0
    for it in range(1, n_iter + 1):
        new, loglik = e_step(packed, params)
        gain = (loglik - best) / n_resp
        best = loglik
        if it == n_iter or np.all(gain < tol):
            break
        params = new
        project(params, forget=forget, max_guess=max_guess, max_slip=max_slip)
    # The last E-step only scored `params`; its update is dropped so `best` matches them.
    return params, best, it
