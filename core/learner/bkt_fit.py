"""Vectorised forward filtering and Baum-Welch EM for many BKT skills at once.

Every (student, skill) sequence of every skill is fitted in one pass. Sequences are stored
*time-major and packed*: they are ranked by length (longest first) and block ``t`` holds the
``t``-th response of every sequence longer than ``t``, in rank order. The sequences active at
step ``t + 1`` are a prefix of those at step ``t``, so a time step is a few numpy calls on
contiguous slices, with no padding or mask.

The filter carries the log-odds of mastery, never a probability or capped odds: without
forgetting, a long run of right answers drives the odds far past 1e300, and a later run of
wrong answers must still bring them back exactly (the scalar update in
:func:`learnwire.core.learner.bkt.logit_update` does the same, so both agree on any sequence).

Once few sequences remain active (the long tail: one learner may answer 1,900 times), per-step
call overhead would dominate, so the tail is cut into chunks of ``CHUNK`` steps and solved as
a two-level scan: compose each chunk's per-step maps (all chunks at once), carry the state
from chunk to chunk, then replay inside every chunk at once. The filter's step is a Moebius
map of the mastery odds and the smoother's an affine map, and both compose in closed form.

Internal module: :mod:`learnwire.core.learner.bkt` is the public API.
"""

from __future__ import annotations

import numpy as np

from .bkt_pack import CHUNK, Packed, subset

#: Parameter columns of the ``(n_skills, 5)`` arrays used throughout this module.
PRIOR, LEARN, GUESS, SLIP, FORGET = range(5)

# Keeps every probability strictly inside (0, 1): no division by zero, and every per-step
# coefficient is >= 1e-12, so a product of CHUNK of them (>= 1e-192) cannot underflow.
_EPS = 1e-6


def _tables(params: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-(skill, response) rows: emission e1/e0 and the odds map a, b, c, d."""
    guess, slip = params[:, GUESS], params[:, SLIP]
    learn, forget = params[:, LEARN], params[:, FORGET]
    e1 = np.stack([slip, 1.0 - slip], axis=1).ravel()
    e0 = np.stack([1.0 - guess, guess], axis=1).ravel()
    learn2, forget2 = np.repeat(learn, 2), np.repeat(forget, 2)
    return e1, e0, (1.0 - forget2) * e1, learn2 * e0, forget2 * e1, (1.0 - learn2) * e0


def _grid(packed: Packed, values: np.ndarray, fill: float) -> np.ndarray:
    """Tail values (one per tail response) as a ``(CHUNK, n_chunks)`` grid; pads = ``fill``."""
    n = int(packed.chunk_off[-1])
    grid = np.full(CHUNK * n, fill)
    grid[packed.cells] = values
    return grid.reshape(CHUNK, n)


def _moebius(la, lb, lc, ld, x):
    """log((a e^x + b) / (c e^x + d)) from the coefficients' logs (any may be -inf but la, ld)."""
    return np.logaddexp(la + x, lb) - np.logaddexp(lc + x, ld)


def forward(packed: Packed, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the filter; return packed ``(x, e1, e0)``.

    ``x`` is the log-odds of P(known) just before each response given the earlier ones;
    ``e1``/``e0`` are the likelihoods of the observed response if known/unknown.
    """
    tables = _tables(params)
    e1, e0, a, b, c, d = (np.take(t, packed.code) for t in tables)
    # Filter + transition maps the odds r to (a r + b) / (c r + d) with a, b, c, d >= 0 (no
    # cancellation); in log-odds that is two log-sum-exps, exact at any magnitude.
    with np.errstate(divide="ignore"):  # b = 0 without learning, c = 0 without forgetting
        # Logs per (skill, response), then spread: a few numbers, not one per response.
        la, lb, lc, ld = (np.take(np.log(t), packed.code) for t in tables[2:])
    x = np.empty(len(e1))
    counts, offsets = packed.counts, packed.offsets
    prior = params[packed.skill[: counts[0]], PRIOR]
    with np.errstate(divide="ignore"):
        x[: counts[0]] = np.log(prior) - np.log1p(-prior)
    num = np.empty(int(counts[1]))
    den = np.empty_like(num)
    for t in range(packed.dense_end):
        m = counts[t + 1]
        lo, nxt = offsets[t], offsets[t + 1]
        cur, nu, de = x[lo : lo + m], num[:m], den[:m]
        np.add(la[lo : lo + m], cur, out=nu)
        np.logaddexp(nu, lb[lo : lo + m], out=nu)
        np.add(lc[lo : lo + m], cur, out=de)
        np.logaddexp(de, ld[lo : lo + m], out=de)
        np.subtract(nu, de, out=x[nxt : nxt + m])
    if len(packed.tail):
        _tail_forward(packed, x, a, b, c, d)
    return x, e1, e0


def _tail_forward(packed: Packed, x_all, a, b, c, d) -> None:
    coefs = ((a, 1.0), (b, 0.0), (c, 0.0), (d, 1.0))
    ga, gb, gc, gd = (_grid(packed, v[packed.tail], f) for v, f in coefs)
    # Each chunk's map from its first response to the next chunk's, as a 2x2 matrix product
    # (entries >= 0 and, every coefficient being >= 1e-12 or 0, far from underflow).
    n = ga.shape[1]
    ma, mb, mc, md = np.ones(n), np.zeros(n), np.zeros(n), np.ones(n)
    for k in range(CHUNK):
        ak, bk, ck, dk = ga[k], gb[k], gc[k], gd[k]
        ma, mb, mc, md = ak * ma + bk * mc, ak * mb + bk * md, ck * ma + dk * mc, ck * mb + dk * md
    off, cnt = packed.chunk_off, packed.chunk_count
    with np.errstate(divide="ignore"):
        lma, lmb, lmc, lmd = np.log(ma), np.log(mb), np.log(mc), np.log(md)
        lga, lgb, lgc, lgd = np.log(ga), np.log(gb), np.log(gc), np.log(gd)
    x = np.empty(n)
    t0 = packed.offsets[packed.dense_end]
    x[: cnt[0]] = x_all[t0 : t0 + cnt[0]]
    for j in range(len(cnt) - 2):
        m, lo, nxt = cnt[j + 1], off[j], off[j + 1]
        s = slice(lo, lo + m)
        x[nxt : nxt + m] = _moebius(lma[s], lmb[s], lmc[s], lmd[s], x[s])
    steps = np.empty((CHUNK, n))
    for k in range(CHUNK):
        steps[k] = x
        x = _moebius(lga[k], lgb[k], lgc[k], lgd[k], x)
    x_all[packed.tail] = steps.ravel()[packed.cells]


def _tail_backward(packed: Packed, gamma, filt, v, w) -> None:
    has_next = packed.tail_next >= 0
    tr = packed.tail_next[has_next] - packed.n_sequences
    # A sequence's last response has gamma = filt: v = filt, w = 0 (padding: identity).
    tail_v = np.where(has_next, 0.0, filt[packed.tail])
    tail_v[has_next] = v[tr]
    tail_w = np.zeros(len(packed.tail))
    tail_w[has_next] = w[tr]
    gv, gw = _grid(packed, tail_v, 0.0), _grid(packed, tail_w, 1.0)
    n = gv.shape[1]
    cv, cw = np.zeros(n), np.ones(n)  # chunk start as affine map of the next chunk's start
    for k in range(CHUNK - 1, -1, -1):
        cv = gv[k] + gw[k] * cv
        cw = gw[k] * cw
    off, cnt = packed.chunk_off, packed.chunk_count
    g = cv.copy()
    for j in range(len(cnt) - 3, -1, -1):
        m, lo, nxt = cnt[j + 1], off[j], off[j + 1]
        g[lo : lo + m] += cw[lo : lo + m] * g[nxt : nxt + m]
    after = np.zeros(n)
    after[packed.next_from] = g[packed.next_to]
    steps = np.empty((CHUNK, n))
    for k in range(CHUNK - 1, -1, -1):
        after = gv[k] + gw[k] * after
        steps[k] = after
    gamma[packed.tail] = steps.ravel()[packed.cells]


def _expit(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow warnings."""
    return np.exp(-np.logaddexp(0.0, -x))


def predict_correct(packed: Packed, params: np.ndarray) -> np.ndarray:
    """One-step-ahead P(correct) for every input event, in input order."""
    x, _, _ = forward(packed, params)
    p = params[packed.skill]
    out = _expit(x) * (1.0 - p[:, SLIP]) + _expit(-x) * p[:, GUESS]
    return out[packed.index]


def e_step(packed: Packed, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected sufficient statistics; returns ``(new_params, loglik_per_skill)``.

    ``new_params`` is the unconstrained M-step solution (skills without data keep theirs).
    """
    k, n = packed.n_skills, packed.n_sequences
    skill = packed.skill
    x, _, _ = forward(packed, params)
    tables = _tables(params)
    le1, le0 = (np.take(np.log(t), packed.code) for t in tables[:2])
    log_known = -np.logaddexp(0.0, -x)
    loglik = np.bincount(skill, np.logaddexp(log_known + le1, log_known - x + le0), minlength=k)
    after = x + le1 - le0  # log-odds of known given the responses so far, this one included
    log_filt = -np.logaddexp(0.0, -after)
    filt = np.exp(log_filt)  # P(known | responses so far)
    # Per transition (aligned with packed[n:]): filter at its start, odds at its end.
    f_prev = np.take(filt, packed.prev)
    u_prev = np.exp(np.take(log_filt - after, packed.prev))  # 1 - f_prev, no cancellation
    sk = skill[n:]
    learn = np.take(params[:, LEARN], sk)
    forget = np.take(params[:, FORGET], sk)
    x_to = x[n:]
    # 1 / P(known at the transition's end | before it): EM keeps learn >= _EPS, so the
    # log-odds there stay above ~log(_EPS) and this is finite.
    inv_q = 1.0 + np.exp(-x_to)
    # Two-state backward smoother from the filter alone (no scaled beta messages):
    # P(known_t | all) = v + w * P(known_t+1 | all), with v = f F / (1 - q), w = f (1 - F) / q - v.
    # Without forgetting v is 0 however certain the end state (1 / (1 - q) may overflow).
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.where(forget > 0.0, f_prev * forget * (1.0 + np.exp(x_to)), 0.0)
    w = f_prev * (1.0 - forget) * inv_q - v
    gamma = filt.copy()  # right for the last response of each sequence
    counts, offsets = packed.counts, packed.offsets
    if len(packed.tail):
        _tail_backward(packed, gamma, filt, v, w)
    for t in range(packed.dense_end - 1, -1, -1):
        m = counts[t + 1]
        lo, tr = offsets[t], offsets[t + 1] - n
        g = gamma[lo : lo + m]
        np.multiply(w[tr : tr + m], gamma[n + tr : n + tr + m], out=g)
        g += v[tr : tr + m]
    g_to = gamma[n:]
    # Expected transitions: P(unknown_t, known_t+1 | all) and P(known_t, unknown_t+1 | all).
    learned = u_prev * learn * g_to * inv_q
    forgot = v * (1.0 - g_to)

    def per_skill(weights, where=skill):
        return np.bincount(where, weights, minlength=k)

    n_resp = per_skill(None)
    known = per_skill(gamma)
    correct_known = per_skill(gamma * packed.obs)
    known_last = per_skill(gamma[packed.last], skill[packed.last])
    first = skill[:n]
    n_first = per_skill(None, first)
    new = params.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = {
            PRIOR: per_skill(gamma[:n], first) / n_first,
            LEARN: per_skill(learned, sk) / (n_resp - n_first - known + known_last),
            FORGET: per_skill(forgot, sk) / (known - known_last),
            GUESS: (per_skill(packed.obs) - correct_known) / (n_resp - known),
            SLIP: (known - correct_known) / known,
        }
    for col, value in cols.items():
        ok = np.isfinite(value)
        new[ok, col] = value[ok]
    return new, loglik


def project(params: np.ndarray, *, forget: bool, max_guess: float, max_slip: float) -> None:
    """Clip ``params`` in place onto the feasible BKT box."""
    np.clip(params, _EPS, 1.0 - _EPS, out=params)
    np.minimum(params[:, GUESS], max_guess, out=params[:, GUESS])
    np.minimum(params[:, SLIP], max_slip, out=params[:, SLIP])
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

    A skill stops (keeping the parameters its last E-step scored) once its log-likelihood per
    response gains less than ``tol``; ``iterations`` is the most any skill ran.
    """
    params = init.astype(np.float64, copy=True)
    project(params, forget=forget, max_guess=max_guess, max_slip=max_slip)
    n_resp = np.maximum(np.bincount(packed.skill, minlength=packed.n_skills), 1)
    best = np.full(packed.n_skills, -np.inf)
    live = np.arange(packed.n_skills)  # global codes of the skills in `cur`
    cur, cur_size = packed, n_resp.sum()
    it = 0
    for it in range(1, n_iter + 1):
        new, loglik = e_step(cur, params[live])
        gain = (loglik - best[live]) / n_resp[live]
        best[live] = loglik
        going = (gain >= tol) & (it < n_iter)
        if not going.any():
            break
        step = new[going]
        project(step, forget=forget, max_guess=max_guess, max_slip=max_slip)
        params[live[going]] = step
        if not going.all() and n_resp[live[going]].sum() < cur_size / 2:
            # Converged skills no longer need E-steps: drop their data once that halves it.
            cur, live = subset(cur, np.flatnonzero(going)), live[going]
            cur_size = n_resp[live].sum()
    return params, best, it
