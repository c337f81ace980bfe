"""Peer co-occurrence: counted per pair of items, k-anonymous, the same in any chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from learnwire.core.ranker import shared


def _rows(people: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    who = np.array([p for p, done in enumerate(people) for _ in done], np.int64)
    what = np.array([i for done in people for i in done], np.int64)
    return who, what


def test_pairs_count_people_and_weigh_by_popularity():
    # Five people did items 0 and 1; a sixth did 0 and 2; a seventh only 3.
    who, what = _rows([[0, 1]] * 5 + [[0, 2], [3]])
    out = shared._pairs(who, what, 4, k=5)
    assert set(out) == {0, 1}, "the 0-2 pair has one person: below k, so nobody's is shown"
    neighbours, weights = out[0]
    assert neighbours.tolist() == [1]
    assert weights[0] == pytest.approx(5 / math.sqrt(6 * 5))
    assert out[1][0].tolist() == [0] and out[1][1][0] == pytest.approx(weights[0])
    assert shared._pairs(who, what, 4, k=6) == {}


def test_pairs_keep_the_strongest_neighbours_and_any_chunking_agrees(monkeypatch):
    rng = np.random.default_rng(3)
    people = [sorted(rng.choice(40, size=rng.integers(1, 15), replace=False)) for _ in range(300)]
    who, what = _rows(people)
    whole = shared._pairs(who, what, 40, k=3)
    assert whole and all(len(n) <= shared.NEIGHBOURS_PER_ITEM for n, _ in whole.values())
    for _, weights in whole.values():
        assert np.all(np.diff(weights) <= 0), "strongest first"
    # Counted by brute force: how many people did both items.
    together = sum(1 for done in people if 5 in done and 7 in done)
    if together >= 3:
        n5, n7 = sum(5 in d for d in people), sum(7 in d for d in people)
        k = whole[5][0].tolist().index(7)
        assert whole[5][1][k] == pytest.approx(together / math.sqrt(n5 * n7), rel=1e-6)
    monkeypatch.setattr(shared, "PAIR_CHUNK", 50)
    chunked = shared._pairs(who, what, 40, k=3)
    assert set(chunked) == set(whole)
    for item, (neighbours, weights) in whole.items():
        assert chunked[item][0].tolist() == neighbours.tolist()
        assert np.allclose(chunked[item][1], weights)
