"""Bayesian Knowledge Tracing: EM recovery, exact E-step, O(1) update, defaults, AUC."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from learnwire.core.learner import bkt, bkt_pack, bkt_train
from learnwire.core.learner import bkt_fit as engine


def simulate(params: bkt.BKTParams, lengths, rng: np.random.Generator) -> list[list[int]]:
    """Responses of one learner per entry of ``lengths`` under the BKT generative model."""
    lengths = np.asarray(lengths)
    n, t_max = len(lengths), int(lengths.max())
    known = rng.random(n) < params.prior
    out = np.zeros((n, t_max), dtype=np.int64)
    for t in range(t_max):
        p_correct = np.where(known, 1.0 - params.slip, params.guess)
        out[:, t] = rng.random(n) < p_correct
        u = rng.random(n)
        known = np.where(known, u >= params.forget, u < params.learn)
    return [out[i, : lengths[i]].tolist() for i in range(n)]


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney AUC (scores here are continuous, so ties are negligible)."""
    ranks = np.empty(len(score))
    ranks[np.argsort(score)] = np.arange(1, len(score) + 1)
    pos = y.astype(bool)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def naive_e_step(sequences, skills, params: np.ndarray):
    """Textbook scaled forward-backward per sequence: M-step values and log-likelihoods."""
    k = len(params)
    stats, loglik = np.zeros((k, 10)), np.zeros(k)
    for obs, s in zip(sequences, skills, strict=True):
        prior, learn, guess, slip, forget = params[s]
        trans = np.array([[1 - learn, learn], [forget, 1 - forget]])
        emit = np.array([[1 - guess, guess], [slip, 1 - slip]])
        n = len(obs)
        alpha, scale = np.zeros((n, 2)), np.zeros(n)
        a = np.array([1 - prior, prior]) * emit[:, obs[0]]
        for t in range(n):
            if t:
                a = (alpha[t - 1] @ trans) * emit[:, obs[t]]
            scale[t] = a.sum()
            alpha[t] = a / scale[t]
        beta = np.ones((n, 2))
        for t in range(n - 2, -1, -1):
            beta[t] = trans @ (emit[:, obs[t + 1]] * beta[t + 1]) / scale[t + 1]
        gamma = alpha * beta
        xi = sum(
            (alpha[t][:, None] * trans * (emit[:, obs[t + 1]] * beta[t + 1])[None, :])
            / scale[t + 1]
            for t in range(n - 1)
        )
        o = np.asarray(obs)
        loglik[s] += np.log(scale).sum()
        stats[s] += [
            gamma[0, 1], 1, np.asarray(xi)[0, 1] if n > 1 else 0, gamma[:-1, 0].sum(),
            np.asarray(xi)[1, 0] if n > 1 else 0, gamma[:-1, 1].sum(),
            (gamma[:, 0] * o).sum(), gamma[:, 0].sum(), (gamma[:, 1] * (1 - o)).sum(),
            gamma[:, 1].sum(),
        ]  # fmt: skip
    new = np.stack(
        [stats[:, 0] / stats[:, 1], stats[:, 2] / stats[:, 3], stats[:, 6] / stats[:, 7],
         stats[:, 8] / stats[:, 9], stats[:, 4] / stats[:, 5]], axis=1,
    )  # fmt: skip
    return new, loglik


@pytest.mark.parametrize("long_tail", [False, True], ids=["dense", "chunked-tail"])
def test_bkt_e_step_matches_naive_forward_backward(long_tail: bool) -> None:
    rng = np.random.default_rng(7)
    lengths = list(rng.integers(1, 25, size=300))
    if long_tail:  # long sequences go through the chunked two-level scan
        lengths += [230, 150, 97, 65, 64, 63, 17]
    skills = rng.integers(0, 3, size=len(lengths))
    params = np.array(
        [[0.3, 0.1, 0.2, 0.1, 0.05], [0.6, 0.2, 0.25, 0.15, 0.1], [0.4, 0.05, 0.1, 0.2, 0.0]]
    )
    seqs = [rng.integers(0, 2, size=n).tolist() for n in lengths]
    # Interleave the sequences' events, as a real event log would.
    seq_id = np.repeat(np.arange(len(seqs)), lengths)
    rng.shuffle(seq_id)
    cursor = np.zeros(len(seqs), dtype=np.int64)
    correct = np.empty(len(seq_id), dtype=np.int64)
    for i, s in enumerate(seq_id):
        correct[i] = seqs[s][cursor[s]]
        cursor[s] += 1
    packed = bkt_pack.pack(seq_id, skills, correct)
    assert (len(packed.tail) > 0) == long_tail

    got, got_ll = engine.e_step(packed, params)
    want, want_ll = naive_e_step(seqs, skills, params)
    np.testing.assert_allclose(got_ll, want_ll, rtol=1e-10)
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_bkt_posterior_update_matches_forward_pass() -> None:
    p = bkt.BKTParams(prior=0.35, learn=0.12, guess=0.22, slip=0.08, forget=0.03)
    rng = np.random.default_rng(3)
    responses = rng.integers(0, 2, size=300).tolist()  # long enough for the chunked tail
    model = bkt.BKTModel(params={"frac": p}, default=p)
    vectorised = model.predict_events(["ann"] * 300, ["frac"] * 300, responses)
    mastery, scalar = p.prior, []
    for r in responses:
        scalar.append(bkt.predict_correct(mastery, p))
        mastery = bkt.posterior_update(mastery, r, p)
    np.testing.assert_allclose(vectorised, scalar, rtol=1e-12)
    np.testing.assert_allclose(model.predict_sequence("frac", responses), scalar, rtol=1e-12)
    assert model.mastery_after("frac", responses) == pytest.approx(mastery, abs=1e-14)
    # One update by hand: Bayes on a correct answer, then learn and forget.
    post = 0.35 * 0.92 / (0.35 * 0.92 + 0.65 * 0.22)
    assert bkt.update(0.35, True, p) == pytest.approx(post + 0.12 * (1 - post) - 0.03 * post)


def exact_predictions(p: bkt.BKTParams, responses) -> list[float]:
    """One-step-ahead P(correct) in exact rational arithmetic: the reference."""
    prior, learn, guess, slip, forget = (Fraction(v) for v in p.as_array())
    known, out = prior, []
    for r in responses:
        out.append(float(known * (1 - slip) + (1 - known) * guess))
        like1, like0 = (1 - slip, guess) if r else (slip, 1 - guess)
        post = known * like1 / (known * like1 + (1 - known) * like0)
        known = post * (1 - forget) + (1 - post) * learn
    return out


LONG_RUNS = {
    "60 right, 100 wrong": [1] * 60 + [0] * 100,
    "400 right, 400 wrong": [1] * 400 + [0] * 400,
    "wrong, right, wrong": [0] * 150 + [1] * 300 + [0] * 250,
}


@pytest.mark.parametrize("forget", [0.0, 0.02])
@pytest.mark.parametrize("run", list(LONG_RUNS), ids=list(LONG_RUNS))
def test_bkt_long_runs_match_exact_arithmetic_in_both_paths(run: str, forget: float) -> None:
    # Without forgetting, right answers push mastery's odds past 1e300: the probability
    # rounds to 1.0 and capped odds lose the count, so wrong answers could never bring
    # mastery back. Both paths must follow the exact answer through the whole run.
    p = bkt.BKTParams(prior=0.4, learn=0.1, guess=0.2, slip=0.1, forget=forget)
    responses = LONG_RUNS[run]
    exact = exact_predictions(p, responses)
    model = bkt.BKTModel(params={"s": p}, default=p)
    scalar = model.predict_sequence("s", responses)
    # The vectorised path among other sequences, so the long one runs through the tail.
    rng = np.random.default_rng(1)
    others = [rng.integers(0, 2, size=n).tolist() for n in rng.integers(1, 30, size=600)]
    students = ["long"] * len(responses) + [f"u{i}" for i, o in enumerate(others) for _ in o]
    flat = responses + [r for o in others for r in o]
    vectorised = model.predict_events(students, ["s"] * len(flat), flat)[: len(responses)]
    np.testing.assert_allclose(scalar, exact, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(vectorised, exact, rtol=1e-9, atol=1e-12)
    # Wrong answers bring the prediction down near its floor (guess, lifted by learning).
    assert exact[-1] < 0.3


def test_bkt_sixty_right_then_hundred_wrong_comes_back_down() -> None:
    p = bkt.BKTParams(prior=0.4, learn=0.1, guess=0.2, slip=0.1)
    x = bkt.logit(p.prior)
    for r in [1] * 60:
        x = bkt.logit_update(x, r, p)
    assert bkt.sigmoid(x) == 1.0  # a probability can no longer hold it, the log-odds can
    for r in [0] * 100:
        x = bkt.logit_update(x, r, p)
    expected = exact_predictions(p, [1] * 60 + [0] * 101)[-1]
    assert bkt.predict_from_logit(x, p) == pytest.approx(expected, rel=1e-9)
    assert bkt.predict_from_logit(x, p) < 0.5


def test_bkt_paths_agree_on_random_long_sequences_without_forgetting() -> None:
    rng = np.random.default_rng(12)
    params = {k: bkt.BKTParams(0.3 + 0.1 * k, 0.05 * (k + 1), 0.15, 0.08) for k in range(3)}
    model = bkt.BKTModel(params=params, default=params[0])
    students, skills, correct, seqs = [], [], [], {}
    for i in range(400):
        k = int(rng.integers(0, 3))
        n = int(rng.integers(1, 40)) if i > 5 else 300 + 100 * i
        # Long streaks: p(repeat last answer) high, as in mastery-learning logs.
        seq = [int(rng.integers(0, 2))]
        for _ in range(n - 1):
            seq.append(seq[-1] if rng.random() < 0.97 else 1 - seq[-1])
        seqs[(f"u{i}", k)] = seq
        students += [f"u{i}"] * n
        skills += [k] * n
        correct += seq
    vectorised = model.predict_events(students, skills, correct)
    start = 0
    for (_, k), seq in seqs.items():  # every sequence, not a sample
        got = vectorised[start : start + len(seq)]
        np.testing.assert_allclose(got, model.predict_sequence(k, seq), rtol=1e-9, atol=1e-12)
        start += len(seq)


def test_bkt_update_stays_in_unit_interval_on_long_runs() -> None:
    p = bkt.BKTParams(prior=0.5, learn=0.3, guess=0.01, slip=0.01)
    mastery = p.prior
    for r in [1] * 2000 + [0] * 50:
        mastery = bkt.posterior_update(mastery, r, p)
        assert 0.0 <= mastery <= 1.0


def test_bkt_em_recovers_known_parameters() -> None:
    true = bkt.BKTParams(prior=0.3, learn=0.15, guess=0.2, slip=0.1)
    rng = np.random.default_rng(42)
    seqs = simulate(true, rng.integers(5, 25, size=3000), rng)
    fitted = bkt_train.fit_skill(seqs, forget=False, n_iter=300, tol=1e-7, seed=0)
    for name in ("prior", "learn", "guess", "slip"):
        assert getattr(fitted, name) == pytest.approx(getattr(true, name), abs=0.03), name
    assert fitted.forget == 0.0


def test_bkt_forget_variant_recovers_forget_rate() -> None:
    true = bkt.BKTParams(prior=0.4, learn=0.2, guess=0.15, slip=0.1, forget=0.08)
    rng = np.random.default_rng(11)
    seqs = simulate(true, rng.integers(10, 40, size=3000), rng)
    fitted = bkt_train.fit_skill(seqs, forget=True, n_iter=400, tol=1e-7)
    for name in ("prior", "learn", "guess", "slip", "forget"):
        assert getattr(fitted, name) == pytest.approx(getattr(true, name), abs=0.04), name
    ll = {f: bkt_train.fit_arrays(*_columns(seqs), forget=f).loglik["s"] for f in (False, True)}
    assert ll[True] > ll[False]  # the extra parameter must explain forgetting data better


def _columns(seqs, skill="s"):
    students = [f"u{i}" for i, s in enumerate(seqs) for _ in s]
    return students, [skill] * len(students), [r for s in seqs for r in s]


def test_bkt_defaulted_skills_flagged_and_get_population_defaults() -> None:
    rng = np.random.default_rng(5)
    events: list[tuple[str, str, int]] = []
    for skill, params in {
        "add": bkt.BKTParams(0.3, 0.2, 0.2, 0.1),
        "sub": bkt.BKTParams(0.5, 0.1, 0.25, 0.05),
        "mul": bkt.BKTParams(0.2, 0.15, 0.15, 0.1),
    }.items():
        for i, seq in enumerate(simulate(params, [8] * 200, rng)):
            events += [(f"u{i}", skill, r) for r in seq]
    events += [("u1", "rare", 1), ("u1", "rare", 0), ("u2", "rare", 1)]
    model = bkt_train.fit(events, min_sequences=3, min_responses=20)

    assert model.defaulted == frozenset({"rare"})
    fitted = np.array([model.params[s].as_array() for s in ("add", "sub", "mul")])
    np.testing.assert_allclose(model.params["rare"].as_array(), np.median(fitted, axis=0))
    assert model.params_for("never-seen") == model.default == model.params["rare"]
    assert np.isnan(model.loglik["rare"]) and model.n_responses["rare"] == 3
    assert model.n_sequences["add"] == 200

    nothing_fitted = bkt_train.fit([("u1", "x", 1)], min_sequences=3)
    assert nothing_fitted.params["x"] == bkt.DEFAULT_PARAMS
    assert nothing_fitted.defaulted == frozenset({"x"})


def test_bkt_fit_accepts_events_and_arrays_alike() -> None:
    rng = np.random.default_rng(9)
    seqs = simulate(bkt.BKTParams(0.3, 0.2, 0.2, 0.1), rng.integers(3, 12, size=100), rng)
    students, skills, correct = _columns(seqs)
    via_events = bkt_train.fit(zip(students, skills, correct, strict=True))
    codes = np.array([int(s[1:]) for s in students])
    via_arrays = bkt_train.fit_arrays(
        codes, np.zeros(len(codes), dtype=np.int64), np.array(correct)
    )
    assert via_events.params["s"] == via_arrays.params[0]


def test_bkt_guess_and_slip_respect_caps() -> None:
    # Responses unrelated to any learning push EM towards guess + slip ~ 1.
    rng = np.random.default_rng(1)
    seqs = [rng.integers(0, 2, size=10).tolist() for _ in range(300)]
    for cap in (0.3, bkt.MAX_GUESS_SLIP):
        fitted = bkt_train.fit_skill(seqs, max_guess=cap, max_slip=cap)
        assert fitted.guess <= cap and fitted.slip <= cap


def test_bkt_params_reject_degenerate_values() -> None:
    with pytest.raises(ValueError):
        bkt.BKTParams(prior=0.5, learn=0.1, guess=0.6, slip=0.5)
    with pytest.raises(ValueError):
        bkt.BKTParams(prior=1.5, learn=0.1, guess=0.2, slip=0.1)
    with pytest.raises(ValueError):
        bkt_train.fit_skill([[], []])


def test_bkt_one_step_ahead_auc_clearly_above_chance() -> None:
    true = bkt.BKTParams(prior=0.25, learn=0.15, guess=0.2, slip=0.1)
    rng = np.random.default_rng(2024)
    train = simulate(true, rng.integers(5, 30, size=800), rng)
    test = simulate(true, rng.integers(5, 30, size=300), rng)
    model = bkt_train.fit_arrays(*_columns(train))
    students, skills, correct = _columns(test)
    pred = model.predict_events(students, skills, correct)
    assert auc(np.array(correct), pred) > 0.75
