"""Template text of a library, found without labels and left out of what is tagged.

Vendors and LMS exports repeat the same sentences across many items ("A 7-minute video with
worked examples.", "Hands-on exercise: 3 short tasks.") and the same title prefixes
("Practice:", "Guide:"). Those say how an item is delivered, not what it teaches, yet they
pull every item of a format towards the same skills in embedding space. A sentence (digits
ignored) or a title prefix that recurs in at least ``min_share`` of the library's items,
and in at least ``min_count`` of them, is template text. It is learnt from the library
being tagged, from its text alone, so it needs no labels and adapts to each library.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
DIGITS = re.compile(r"\d+")
#: A title prefix is at most this many words before a colon.
PREFIX_WORDS = 3


def _key(sentence: str) -> str:
    return DIGITS.sub("#", " ".join(sentence.lower().split()))


def _prefix(title: str) -> str | None:
    head, colon, _ = title.partition(":")
    if not colon or not head.strip() or len(head.split()) > PREFIX_WORDS:
        return None
    return _key(head)


@dataclass(frozen=True)
class Boilerplate:
    sentences: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()

    @classmethod
    def learn(
        cls, texts: Iterable[tuple[str, str]], *, min_share: float = 0.01, min_count: int = 3
    ) -> Boilerplate:
        """Template sentences and title prefixes of ``(title, summary)`` pairs."""
        sentences: Counter[str] = Counter()
        prefixes: Counter[str] = Counter()
        n = 0
        for title, summary in texts:
            n += 1
            sentences.update({_key(s) for s in SENTENCE_END.split(summary or "") if s.strip()})
            prefix = _prefix(title)
            if prefix:
                prefixes[prefix] += 1
        floor = max(min_count, min_share * n)
        return cls(
            frozenset(s for s, c in sentences.items() if c >= floor),
            frozenset(p for p, c in prefixes.items() if c >= floor),
        )

    def strip(self, title: str, summary: str) -> tuple[str, str]:
        """``title`` and ``summary`` without template text (never emptied: an item made only
        of template text keeps it)."""
        if _prefix(title) in self.prefixes and title.partition(":")[2].strip():
            title = title.partition(":")[2].strip()
        kept = [
            s
            for s in SENTENCE_END.split(summary or "")
            if s.strip() and _key(s) not in self.sentences
        ]
        return title, " ".join(kept) if kept else summary
