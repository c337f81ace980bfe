"""Packing BKT response sequences into the time-major layout the batch pass runs over
(:mod:`learnwire.core.learner.bkt_fit`, whose docstring describes the layout and the
chunked tail).

Internal module: :mod:`learnwire.core.learner.bkt` is the public API.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Steps per chunk of the long tail.
CHUNK = 16
_DENSE_MIN = 512  # below this many active sequences, the chunked tail is cheaper


@dataclass(frozen=True)
class Packed:
    """Time-major packed responses (layout in the module docstring).

    ``index[i]`` is the packed position of input event ``i``. Every response after block 0
    ends a transition; transition ``j`` leads from packed position ``prev[j]`` to position
    ``n_sequences + j``, so per-transition arrays align with ``packed[n_sequences:]``.
    ``last`` are the final responses of the sequences. Time steps ``>= dense_end`` belong to
    the chunked tail. ``source`` keeps the inputs for repacking.
    """

    obs: np.ndarray
    skill: np.ndarray
    code: np.ndarray  # 2 * skill + obs: row of the per-(skill, response) coefficient tables
    offsets: np.ndarray  # block t is [offsets[t], offsets[t] + counts[t])
    counts: np.ndarray  # counts[t] = sequences longer than t; counts[-1] == 0
    index: np.ndarray
    prev: np.ndarray
    last: np.ndarray
    n_skills: int
    dense_end: int
    # Tail: chunk j of the long sequence of rank r is chunk_off[j] + r (if r < chunk_count[j]);
    # step k of chunk c is grid cell k * n_chunks + c; cells/tail hold each tail response's
    # cell and packed position (tail_next: its successor's, or -1); next_from/next_to link a
    # chunk to the following one.
    chunk_off: np.ndarray
    chunk_count: np.ndarray
    cells: np.ndarray
    tail: np.ndarray
    tail_next: np.ndarray
    next_from: np.ndarray
    next_to: np.ndarray
    source: tuple[np.ndarray, np.ndarray, np.ndarray]

    @property
    def n_sequences(self) -> int:
        return int(self.counts[0])


def _active_counts(lengths: np.ndarray, size: int) -> np.ndarray:
    """``out[t]`` = how many of ``lengths`` exceed ``t``, for ``t < size``; plus a final 0."""
    hist = np.bincount(lengths, minlength=size + 1)
    out = np.zeros(size + 1, dtype=np.int64)
    out[:size] = np.cumsum(hist[::-1])[::-1][1 : size + 1]
    return out


def pack(seq_id: np.ndarray, seq_skill: np.ndarray, correct: np.ndarray) -> Packed:
    """Pack events into the time-major layout.

    ``seq_id[i]`` in ``0..S-1`` is the sequence of event ``i`` (events of a sequence in
    chronological order, sequences may interleave); ``seq_skill[s]`` is the integer skill code
    of sequence ``s``; every sequence must have at least one event.
    """
    seq_id = np.asarray(seq_id, dtype=np.int64)
    seq_skill = np.asarray(seq_skill, dtype=np.int64)
    correct = np.asarray(correct, dtype=np.int64)
    n, n_seq = len(seq_id), len(seq_skill)
    if n == 0:
        raise ValueError("nothing to pack")
    lengths = np.bincount(seq_id, minlength=n_seq)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    pos = np.empty(n, dtype=np.int64)
    pos[np.argsort(seq_id, kind="stable")] = np.arange(n) - np.repeat(starts, lengths)
    by_length = np.argsort(-lengths, kind="stable")
    rank = np.empty(n_seq, dtype=np.int64)
    rank[by_length] = np.arange(n_seq)
    max_len = int(lengths.max())
    counts = _active_counts(lengths, max_len)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    r = rank[seq_id]
    index = offsets[pos] + r
    obs = np.empty(n)
    obs[index] = correct
    skill = np.empty(n, dtype=np.int64)
    skill[index] = seq_skill[seq_id]
    has_next = pos < lengths[seq_id] - 1
    nxt = np.where(has_next, offsets[np.minimum(pos + 1, max_len)] + r, -1)
    prev = np.empty(n - n_seq, dtype=np.int64)
    prev[nxt[has_next] - n_seq] = index[has_next]

    start = int(np.argmax(counts < _DENSE_MIN))
    if max_len - start < 4 * CHUNK:
        start = max_len  # short tail: the plain loop is as cheap
    n_chunks_of = -(-(lengths[by_length] - start) // CHUNK)  # ceil, by rank
    chunk_count = _active_counts(np.maximum(n_chunks_of, 0), max(int(n_chunks_of.max()), 0))
    chunk_off = np.concatenate(([0], np.cumsum(chunk_count)))
    n_chunks = int(chunk_off[-1])
    in_tail = pos >= start
    j, k = np.divmod(pos[in_tail] - start, CHUNK)
    cells = k * n_chunks + chunk_off[j] + r[in_tail]
    linked = np.repeat(np.arange(len(chunk_count) - 1), chunk_count[1:])
    linked_r = np.arange(len(linked)) - np.repeat(chunk_off[1:-1] - chunk_count[0], chunk_count[1:])
    return Packed(
        obs=obs,
        skill=skill,
        code=2 * skill + obs.astype(np.int64),
        offsets=offsets,
        counts=counts,
        index=index,
        prev=prev,
        last=index[~has_next],
        n_skills=int(seq_skill.max()) + 1,
        dense_end=min(start, max_len - 1),
        chunk_off=chunk_off,
        chunk_count=chunk_count,
        cells=cells,
        tail=index[in_tail],
        tail_next=nxt[in_tail],
        next_from=chunk_off[linked] + linked_r,
        next_to=chunk_off[linked + 1] + linked_r,
        source=(seq_id, seq_skill, correct),
    )


def subset(packed: Packed, skills: np.ndarray) -> Packed:
    """Repack only the sequences of ``skills`` (renumbered ``0..len(skills)-1`` in order)."""
    seq_id, seq_skill, correct = packed.source
    remap = np.full(packed.n_skills, -1)
    remap[skills] = np.arange(len(skills))
    keep_seq = remap[seq_skill] >= 0
    keep = keep_seq[seq_id]
    renumber = np.cumsum(keep_seq) - 1
    return pack(renumber[seq_id[keep]], remap[seq_skill[keep_seq]], correct[keep])
