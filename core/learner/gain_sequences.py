"""An organisation's evidence as each (person, skill)'s events in time order: what
:mod:`~learnwire.core.learner.gain_sml` integrates each person's start over."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gain_fit import Evidence

#: At most this many (person, skill) sequences are fitted, chosen by a fixed hash of the
#: person: time grows linearly with them (about a minute per thousand for the report's two
#: fits on two cores, in the outcome benchmark), and a nightly fit must end.
MAX_SEQUENCES = 3000


@dataclass(frozen=True)
class Sequences:
    """Each (person, skill)'s evidence in time order, padded to a common length.

    ``kind`` is 0 (padding), 1 (an answer) or 2 (practice). Answers carry the labelled
    difficulty and whether they were right; practice carries the format, minutes, labelled
    difficulty, readiness and share."""

    learner: np.ndarray  # per sequence
    skill: np.ndarray  # per sequence
    start: np.ndarray  # the learner model's starting level, per sequence
    kind: np.ndarray
    day: np.ndarray
    difficulty: np.ndarray
    correct: np.ndarray
    fmt: np.ndarray
    minutes: np.ndarray
    ready: np.ndarray
    share: np.ndarray

    @property
    def size(self) -> int:
        return len(self.skill)


def sequences(ev: Evidence) -> Sequences:
    """Group ``ev`` by (person, skill). Only sequences with at least one answer are kept:
    practice no answer follows says nothing about the curve here."""
    # Labelled difficulty of practised items: p_rel is difficulty - level then - 0.05 (a
    # fixed recording convention of Evidence, not the fitted peak).
    p_difficulty = ev.p_rel + (1.0 - ev.p_headroom) + 0.05
    rows: dict[tuple[int, int], list[tuple]] = {}
    starts: dict[tuple[int, int], float] = {}
    for i in range(len(ev.a_day)):
        key = (int(ev.a_learner[i]), int(ev.a_skill[i]))
        rows.setdefault(key, []).append(
            (ev.a_day[i], 1, ev.a_difficulty[i], ev.a_correct[i], 0, 10.0, 1.0, 0.0)
        )
        starts.setdefault(key, float(ev.a_start[i]))
    for i in range(len(ev.p_day)):
        key = (int(ev.p_learner[i]), int(ev.p_skill[i]))
        if key in rows:
            rows[key].append(
                (ev.p_day[i], 2, p_difficulty[i], 0.0, int(ev.p_format[i]), ev.p_minutes[i],
                 ev.p_ready[i], ev.p_share[i])
            )  # fmt: skip
    keys = sorted(rows)
    if len(keys) > MAX_SEQUENCES:
        # A fixed, person-level choice: every skill of a chosen person stays in.
        people = sorted({k[0] for k in keys}, key=lambda p: (p * 2654435761) % 2**32)
        chosen: set[int] = set()
        total = 0
        per_person: dict[int, int] = {}
        for k in keys:
            per_person[k[0]] = per_person.get(k[0], 0) + 1
        for p in people:
            if total + per_person[p] > MAX_SEQUENCES and chosen:
                break
            chosen.add(p)
            total += per_person[p]
        keys = [k for k in keys if k[0] in chosen]
    n = len(keys)
    length = max((len(rows[k]) for k in keys), default=0)
    arrays = {
        name: np.zeros((n, length), dtype)
        for name, dtype in (
            ("kind", np.int8), ("day", np.float64), ("difficulty", np.float64),
            ("correct", np.float64), ("fmt", np.int64), ("minutes", np.float64),
            ("ready", np.float64), ("share", np.float64),
        )
    }  # fmt: skip
    for i, key in enumerate(keys):
        # A stable sort, and answers were listed before practice: at the same moment an
        # answer comes first, since it is evidence of what was practised before it.
        ordered = sorted(rows[key], key=lambda r: r[0])
        for t, (day, kind, diff, y, fmt, minutes, ready, share) in enumerate(ordered):
            arrays["kind"][i, t] = kind
            arrays["day"][i, t] = day
            arrays["difficulty"][i, t] = diff
            arrays["correct"][i, t] = y
            arrays["fmt"][i, t] = fmt
            arrays["minutes"][i, t] = minutes
            arrays["ready"][i, t] = ready
            arrays["share"][i, t] = share
        if ordered:
            last = ordered[-1][0]
            arrays["day"][i, len(ordered) :] = last
    return Sequences(
        learner=np.array([k[0] for k in keys], np.int64),
        skill=np.array([k[1] for k in keys], np.int64),
        start=np.array([starts[k] for k in keys], np.float64),
        **arrays,
    )
