"""Memos of validation results, bounded by the bytes they hold, not by their count.

Producers send the same few hundred IRIs, addresses, verbs and activities in every statement,
so remembering what was already checked makes validation cheap. A memo bounded only by its
number of entries lets a sender fill it with megabyte-long values (refused or not) that stay
for good; these memos refuse keys longer than ``max_key`` and start afresh when what they
hold passes ``budget`` bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K", str, bytes)
V = TypeVar("V")

#: What a dict entry costs beyond its key's characters (entry, hash slot, object headers).
_ENTRY_OVERHEAD = 120


class BoundedMemo(Generic[K, V]):
    """A dictionary of check results holding at most about ``budget`` bytes."""

    __slots__ = ("_data", "budget", "held", "max_key")

    def __init__(self, budget: int, max_key: int) -> None:
        self.budget = budget
        self.max_key = max_key
        self.held = 0
        self._data: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self._data.get(key)

    def put(self, key: K, value: V) -> None:
        if len(key) > self.max_key:
            return
        cost = len(key) + _ENTRY_OVERHEAD
        if self.held + cost > self.budget:
            self._data.clear()
            self.held = 0
        if key not in self._data:
            self.held += cost
        self._data[key] = value

    def clear(self) -> None:
        self._data.clear()
        self.held = 0


def memoised(budget: int, max_key: int = 512) -> Callable[[Callable[[str], bool]], MemoCheck]:
    """Decorate a ``str -> bool`` check with a :class:`BoundedMemo`."""

    def wrap(check: Callable[[str], bool]) -> MemoCheck:
        return MemoCheck(check, BoundedMemo(budget, max_key))

    return wrap


class MemoCheck:
    """A memoised ``str -> bool`` check; ``memo`` is exposed so tests can inspect it."""

    __slots__ = ("check", "memo")

    def __init__(self, check: Callable[[str], bool], memo: BoundedMemo[str, bool]) -> None:
        self.check = check
        self.memo = memo

    def __call__(self, value: str) -> bool:
        found = self.memo.get(value)
        if found is None:
            found = self.check(value)
            self.memo.put(value, found)
        return found
