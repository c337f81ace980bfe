"""Start a skills framework from ESCO: an organisation without one adopts the ESCO skills it
needs, chosen by search terms, by texts they should be near, by ESCO URI, or by what its
library's items and its roles' names need.

Each adopted skill becomes a framework skill (``domain`` ``esco``) whose id is derived from
its ESCO URI, so adopting again changes nothing; ``skill_esco_origin`` keeps the URI, which
listings use to credit ESCO. The package's data file runs each skill's preferred label,
alternative labels and description together, so the name is a best guess at the preferred
label (see :func:`preferred_label`); an admin corrects names with ``skills import`` on the
same ids, and the link to ESCO stays.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ...core.embedders.content import embedding_array
from ...core.embedding import Embedder
from ...core.errors import ConfigurationError
from ...core.models import Skill
from ...core.store import Database, catalogue
from .esco import EMBED_BATCH, URI_PREFIX, embed_pending
from .tagging import item_text

DOMAIN = "esco"
ID_PREFIX = "esco-"
#: A preferred label is rarely longer than this many words.
LABEL_WORDS = 8
ARTICLES = frozenset({"The", "A", "An", "This", "These"})


@dataclass(frozen=True)
class Selection:
    """What to adopt; every criterion adds skills, ``limit`` caps the total."""

    terms: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    uris: tuple[str, ...] = ()
    from_content: bool = False
    from_roles: bool = False
    per_query: int = 5
    min_similarity: float = 0.5
    limit: int = 200

    def needs_embeddings(self) -> bool:
        return bool(self.near) or self.from_content or self.from_roles

    def describe(self) -> str:
        parts = [f"term:{t}" for t in self.terms] + [f"near:{t}" for t in self.near]
        parts += [f"uri:{u}" for u in self.uris]
        parts += ["content"] * self.from_content + ["roles"] * self.from_roles
        return ", ".join(parts)[:500]


@dataclass
class Adoption:
    selected: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    skills: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def skill_id(uri: str) -> str:
    return ID_PREFIX + uri.removeprefix(URI_PREFIX).lower()


def preferred_label(text: str) -> str:
    """A best guess at the preferred label at the head of an ESCO text.

    Alternative labels follow the preferred one and share most of its words ("give
    constructive feedback offer constructive feedback ..."), so the label is the head of at
    most eight words that overlaps most (Jaccard) with the words right after it, the
    shortest on a tie; the head stops where the description starts. Checked
    by eye on 40 random ESCO skills: 24 are exactly right, most others carry a
    word or two too many or too few, which is why admins can rename.
    """
    words = text.split()
    low = [w.lower().strip("(),") for w in words]
    # The description starts with a capital: any capitalised word after lower-case labels,
    # or an article after capitalised ones ("SQL Server ... The computer program ...").
    lower = bool(words) and words[0][:1].islower()
    starts = ARTICLES if not lower else None
    end = next(
        (i for i, w in enumerate(words[1:], 1) if (w in starts if starts else w[:1].isupper())),
        len(words),
    )
    best, best_k = 0.0, 0
    for k in range(1, min(LABEL_WORDS, end - 1) + 1):
        head = set(low[:k])
        for k2 in range(1, min(LABEL_WORDS, end - k) + 1):
            after = set(low[k : k + k2])
            score = len(head & after) / len(head | after)
            if score > best + 1e-9:
                best, best_k = score, k
    return " ".join(words[: best_k or min(4, len(words))])


def _term_matches(rows: list[tuple[str, str]], terms: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for term in terms:
        pattern = re.compile(rf"(?<!\w){re.escape(term.strip())}(?!\w)", re.IGNORECASE)
        found += [uri for uri, text in rows if pattern.search(text)]
    return found


def _nearest(queries: np.ndarray, matrix: np.ndarray, uris: list[str], s: Selection) -> list[str]:
    """Per query row, its ``per_query`` nearest ESCO skills at or above the floor; the
    skills chosen by more queries first (what most items or roles need)."""
    if queries.size == 0:
        return []
    queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    scores = queries @ matrix.T
    votes: dict[str, tuple[int, float]] = {}
    for sims in scores:
        for j in np.argsort(-sims)[: s.per_query]:
            if sims[j] >= s.min_similarity:
                count, best = votes.get(uris[j], (0, 0.0))
                votes[uris[j]] = (count + 1, max(best, float(sims[j])))
    return sorted(votes, key=lambda u: (-votes[u][0], -votes[u][1], u))


def select(
    db: Database, embedder: Embedder, rows: list[tuple[str, str]], s: Selection
) -> list[str]:
    """ESCO URIs chosen by ``s``, in order of the criteria, without repeats, at most
    ``limit``.

    :raises ConfigurationError: a URI is not an ESCO skill of the loaded data.
    """
    known = {uri for uri, _ in rows}
    unknown = [u for u in s.uris if u not in known]
    if unknown:
        raise ConfigurationError(f"not ESCO skills of the loaded data: {', '.join(unknown)}")
    chosen = list(s.uris) + _term_matches(rows, s.terms)
    if s.needs_embeddings():
        embed_pending(db, embedder)
        with db.connection() as conn:
            esco = conn.execute(
                "SELECT uri, embedding FROM esco_skill WHERE embedding IS NOT NULL ORDER BY uri"
            ).fetchall()
            items = conn.execute(
                "SELECT title, summary FROM content_item WHERE retired_at IS NULL ORDER BY id"
            ).fetchall()
            roles = conn.execute("SELECT name FROM job_profile ORDER BY id").fetchall()
        uris = [r[0] for r in esco]
        matrix = np.stack([embedding_array(r[1]) for r in esco])
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        for text in s.near:
            chosen += _nearest(_embed(embedder, [text]), matrix, uris, s)
        if s.from_content:
            # The text the tagger reads: an item's stored embedding also holds its tags.
            texts = [item_text(r[0], r[1]) for r in items]
            chosen += _nearest(_embed(embedder, texts), matrix, uris, s)
        if s.from_roles:
            chosen += _nearest(_embed(embedder, [r[0] for r in roles]), matrix, uris, s)
    return list(dict.fromkeys(chosen))[: s.limit]


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.empty((0,))
    batches = [texts[i : i + EMBED_BATCH] for i in range(0, len(texts), EMBED_BATCH)]
    return np.concatenate([np.asarray(embedder.embed(b), dtype=np.float32) for b in batches])


def adopt(
    db: Database,
    embedder: Embedder,
    rows: list[tuple[str, str]],
    selection: Selection,
    *,
    by: str,
    dry_run: bool = False,
) -> Adoption:
    """Make the selected ESCO skills framework skills (rows: the stored ESCO skills).

    A skill adopted before keeps the name an admin gave it; only new ones are named.
    """
    uris = select(db, embedder, rows, selection)
    texts = dict(rows)
    report = Adoption(selected=len(uris), dry_run=dry_run)
    with db.connection() as conn, conn.transaction():
        named = dict(
            conn.execute(
                "SELECT o.esco_uri, s.name FROM skill_esco_origin o JOIN skill s "
                "ON s.id = o.skill_id WHERE o.esco_uri = ANY(%s)",
                (uris,),
            ).fetchall()
        )
        skills = [
            Skill(
                id=skill_id(uri),
                name=named.get(uri) or preferred_label(texts[uri])[:256],
                domain=DOMAIN,
                description=texts[uri],
            )
            for uri in uris
        ]
        report.skills = [
            {"skill_id": k.id, "name": k.name, "esco_uri": u}
            for k, u in zip(skills, uris, strict=True)
        ]
        if dry_run:
            return report
        counts = catalogue.upsert_skills(conn, skills)
        report.new, report.updated, report.unchanged = counts.new, counts.updated, counts.unchanged
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO skill_esco_origin (skill_id, esco_uri, selected_by) "
                "VALUES (%s, %s, %s) ON CONFLICT (skill_id) DO NOTHING",
                [
                    (k.id, u, f"{by}: {selection.describe()}")
                    for k, u in zip(skills, uris, strict=True)
                ],
            )
    return report
