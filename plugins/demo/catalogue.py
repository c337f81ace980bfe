"""The sample organisation's learning library: 324 items over the 54 skills of the taxonomy.

Every skill has four authored topics (:mod:`library_people`, :mod:`library_craft`); the first
two are offered in two formats and the others in one, so each skill has six items. Formats,
durations (3-20 minutes) and difficulties are drawn from a fixed generator: the library is the
same for every seed, as a company's library is the same for everyone in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from ...core.models import ContentFormat, ContentItem, ContentSkill
from .library_craft import CRAFT_TOPICS
from .library_people import PEOPLE_TOPICS
from .taxonomy import SKILL_INDEX, SKILLS

PROVIDER = "demo-library"
LIBRARY_URL = "https://learn.larkspur.example"
FORMATS = (ContentFormat.VIDEO, ContentFormat.ARTICLE, ContentFormat.EXERCISE,
           ContentFormat.SIMULATION)  # fmt: skip
ASSESSED = frozenset({ContentFormat.EXERCISE, ContentFormat.SIMULATION})

# Interpersonal skills are practised in simulations, technical ones in exercises.
_FORMAT_WEIGHTS = {
    "management": (0.30, 0.25, 0.15, 0.30),
    "communication": (0.30, 0.25, 0.15, 0.30),
    "compliance": (0.35, 0.35, 0.15, 0.15),
    "product": (0.30, 0.35, 0.20, 0.15),
    "engineering": (0.30, 0.30, 0.32, 0.08),
    "data": (0.30, 0.30, 0.32, 0.08),
}
_MINUTES = {  # (low, high) per format, before the level adds a little
    ContentFormat.VIDEO: (3, 11),
    ContentFormat.ARTICLE: (4, 13),
    ContentFormat.EXERCISE: (8, 18),
    ContentFormat.SIMULATION: (10, 18),
}
_DIFFICULTY = ((0.15, 0.35), (0.40, 0.60), (0.65, 0.85))
_CLOSERS = {
    ContentFormat.VIDEO: (
        "{A} {d}-minute video with worked examples from real teams.",
        "Short video lesson ({d} min) that ends with one thing to try this week.",
        "{A} {d}-minute walkthrough; pause on the summary at the end to note your next step.",
    ),
    ContentFormat.ARTICLE: (
        "{A} {d}-minute read with a checklist you can keep.",
        "Practical guide ({d} min read) with templates you can copy into your own work.",
        "Short examples throughout and a one-page summary at the end; about {d} minutes.",
    ),
    ContentFormat.EXERCISE: (
        "Hands-on exercise: {q} short tasks, each with instant feedback. About {d} minutes.",
        "Practise with {q} scenario questions and compare your answers with model responses "
        "({d} min).",
    ),
    ContentFormat.SIMULATION: (
        "Branching simulation with {q} decision points: choose what to say or do, see how it "
        "plays out, then read the debrief ({d} min).",
        "An interactive scenario with {q} decisions and feedback on each choice. "
        "About {d} minutes.",
    ),
}


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """One item with what the simulation needs beyond the boundary model.

    ``skills`` are taxonomy indices (first = the item's main skill) with ``weights``;
    ``questions`` is how many responses an attempt produces (0 for unassessed formats).
    """

    item: ContentItem
    skills: tuple[int, ...]
    weights: tuple[float, ...]
    level: int
    questions: int

    @property
    def format(self) -> ContentFormat:
        return self.item.format

    @property
    def activity_id(self) -> str:
        assert self.item.activity_id is not None
        return self.item.activity_id


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _title(title: str, fmt: ContentFormat, paired: bool) -> str:
    if fmt is ContentFormat.EXERCISE:
        return f"Practice: {title[0].lower() + title[1:] if title[1:2].islower() else title}"
    if fmt is ContentFormat.SIMULATION:
        return f"Simulation: {title}"
    if fmt is ContentFormat.ARTICLE and paired:
        return f"Guide: {title}"
    return title


@cache
def library() -> tuple[LibraryItem, ...]:
    """Every item of the library, in a stable order."""
    rng = np.random.default_rng(20_261_120)
    topics = {**PEOPLE_TOPICS, **CRAFT_TOPICS}
    missing = sorted(set(SKILL_INDEX) - set(topics))
    if missing:
        raise ValueError(f"skills without library topics: {missing}")
    out: list[LibraryItem] = []
    seen: set[str] = set()
    for spec in SKILLS:
        weights = np.array(_FORMAT_WEIGHTS[spec.domain])
        for t, (level, title, covers) in enumerate(topics[spec.id]):
            n_formats = 2 if t < 2 else 1
            picks = rng.choice(len(FORMATS), size=n_formats, replace=False, p=weights)
            formats = [FORMATS[int(i)] for i in picks]
            paired = ContentFormat.VIDEO in formats and ContentFormat.ARTICLE in formats
            for fmt in formats:
                lo, hi = _MINUTES[fmt]
                minutes = min(20, int(rng.integers(lo, hi + 1)) + level)
                questions = int(rng.integers(3, 7)) if fmt in ASSESSED else 0
                lo_d, hi_d = _DIFFICULTY[level]
                difficulty = round(float(rng.uniform(lo_d, hi_d)), 2)
                closers = _CLOSERS[fmt]
                closer = closers[int(rng.integers(len(closers)))].format(
                    A="An" if minutes in (8, 11, 18) else "A", d=minutes, q=questions
                )
                external_id = f"{_slug(title)}-{fmt.value}"
                if external_id in seen:
                    raise ValueError(f"duplicate library item {external_id}")
                seen.add(external_id)
                skill_ix = [SKILL_INDEX[spec.id]]
                skill_w = [1.0]
                # Intermediate and advanced items also exercise the first prerequisite.
                if level > 0 and spec.requires:
                    skill_ix.append(SKILL_INDEX[spec.requires[0]])
                    skill_w.append(0.4)
                item = ContentItem(
                    provider=PROVIDER,
                    external_id=external_id,
                    title=_title(title, fmt, paired),
                    summary=f"{covers} {closer}",
                    format=fmt,
                    duration_minutes=minutes,
                    difficulty=difficulty,
                    language="en",
                    launch_url=f"{LIBRARY_URL}/library/{external_id}",
                    activity_id=f"{LIBRARY_URL}/xapi/activities/{external_id}",
                    skills=[
                        ContentSkill(skill_id=SKILLS[i].id, weight=w)
                        for i, w in zip(skill_ix, skill_w, strict=True)
                    ],
                )
                out.append(LibraryItem(item, tuple(skill_ix), tuple(skill_w), level, questions))
    return tuple(out)


@cache
def items_by_skill() -> tuple[tuple[int, ...], ...]:
    """For each skill index, the indices of library items whose main skill it is."""
    by_skill: list[list[int]] = [[] for _ in SKILLS]
    for i, entry in enumerate(library()):
        by_skill[entry.skills[0]].append(i)
    return tuple(tuple(ix) for ix in by_skill)
