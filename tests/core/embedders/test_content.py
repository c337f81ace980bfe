"""The content embedding job and the nearest-content query, on the real PostgreSQL+pgvector."""

from __future__ import annotations

import numpy as np
import pytest

from learnwire.core.embedders.content import (
    column_dimension,
    content_text,
    embed_pending,
    embedding_array,
    nearest_content,
)
from learnwire.core.embedders.minilm import MiniLMSettings, shared_embedder
from learnwire.core.embedding import Embedder
from learnwire.core.errors import ConfigurationError
from learnwire.core.models import ContentItem, Skill
from learnwire.core.store.catalogue import (
    content_id,
    retire_content,
    upsert_content,
    upsert_skills,
)

SKILLS = [
    Skill(id="feedback", name="Giving feedback", domain="people"),
    Skill(id="coaching", name="Coaching", domain="people"),
    Skill(id="sql", name="SQL", domain="data"),
    Skill(id="budgeting", name="Budgeting", domain="finance"),
]

CATALOGUE = [
    (
        "fb-1",
        "Feedback that lands",
        "Use situation, behaviour and impact to tell a report "
        "what to keep doing and what to change.",
        "feedback",
    ),
    (
        "fb-2",
        "Difficult conversations with your team",
        "Prepare for and hold a conversation about under-performance without damaging trust.",
        "feedback",
    ),
    (
        "co-1",
        "Coaching with open questions",
        "Help people find their own answers in one-to-one meetings.",
        "coaching",
    ),
    (
        "sql-1",
        "SQL joins and window functions",
        "Combine tables and compute running totals in PostgreSQL.",
        "sql",
    ),
    ("sql-2", "Indexing for fast queries", "Read query plans and choose B-tree indexes.", "sql"),
    (
        "bud-1",
        "Quarterly budget reporting",
        "Build a forecast and explain variances to finance.",
        "budgeting",
    ),
]


def _items(catalogue=CATALOGUE) -> list[ContentItem]:
    return [
        ContentItem(
            provider="lib",
            external_id=ext,
            title=title,
            summary=summary,
            format="article",
            duration_minutes=10,
            launch_url=f"https://lms.example/{ext}",
            skills=[{"skill_id": skill}],
        )
        for ext, title, summary, skill in catalogue
    ]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder(MiniLMSettings())


@pytest.fixture
def catalogue(db):
    with db.connection() as conn:
        upsert_skills(conn, SKILLS)
        upsert_content(conn, _items())
    return db


def _embeddings(db) -> dict[str, np.ndarray | None]:
    with db.connection() as conn:
        rows = conn.execute("SELECT external_id, embedding FROM content_item").fetchall()
    return {ext: (None if v is None else embedding_array(v)) for ext, v in rows}


class CountingEmbedder(Embedder):
    """Delegates to the real model and records every text it is asked to embed."""

    name = "counting"
    dimension = 384

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def test_content_text_joins_title_summary_and_skill_names():
    assert content_text(" Feedback ", "", ["Giving feedback", "Coaching"]) == (
        "Feedback\nSkills: Giving feedback, Coaching"
    )


def test_content_embed_fills_every_missing_embedding_in_batches(catalogue, embedder):
    counting = CountingEmbedder(embedder)
    report = embed_pending(catalogue, counting, batch_size=4)
    assert (report.embedded, report.pending) == (6, 0)
    stored = _embeddings(catalogue)
    assert all(v is not None and v.shape == (384,) for v in stored.values())
    fb1 = "Feedback that lands\n" + CATALOGUE[0][2] + "\nSkills: Giving feedback"
    assert sorted(counting.texts) == sorted(set(counting.texts)) and fb1 in counting.texts
    expected = np.asarray(embedder.embed([fb1])[0])
    assert np.allclose(stored["fb-1"], expected, atol=1e-5)


def test_content_embed_is_idempotent_and_redoes_only_changed_items(catalogue, embedder):
    embed_pending(catalogue, embedder)
    before = _embeddings(catalogue)
    counting = CountingEmbedder(embedder)
    assert embed_pending(catalogue, counting).embedded == 0
    assert counting.texts == []

    changed = [(*CATALOGUE[3][:2], "Joins, CTEs and window functions.", "sql")]
    with catalogue.connection() as conn:
        upsert_content(conn, _items(changed))
    assert _embeddings(catalogue)["sql-1"] is None
    report = embed_pending(catalogue, counting)
    assert report.embedded == 1
    assert len(counting.texts) == 1 and "CTEs" in counting.texts[0]
    after = _embeddings(catalogue)
    assert not np.allclose(after["sql-1"], before["sql-1"])
    assert all(np.array_equal(after[k], before[k]) for k in before if k != "sql-1")


def test_content_embed_skips_retired_items(catalogue, embedder):
    with catalogue.connection() as conn:
        retire_content(conn, "lib", ["bud-1"])
    report = embed_pending(catalogue, embedder)
    assert (report.embedded, report.pending) == (5, 0)
    assert _embeddings(catalogue)["bud-1"] is None


def test_content_embed_refuses_an_embedder_of_the_wrong_dimension(catalogue):
    class Wide(Embedder):
        name = "wide"
        dimension = 768

        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[0.0] * 768 for _ in texts]

    with catalogue.connection() as conn:
        assert column_dimension(conn) == 384
    with pytest.raises(ConfigurationError, match=r"768-dimensional.*holds 384"):
        embed_pending(catalogue, Wide())
    assert all(v is None for v in _embeddings(catalogue).values())


def test_content_embed_refuses_vectors_that_break_the_contract(catalogue):
    class Short(Embedder):
        name = "short"
        dimension = 384

        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[1.0] * 384]  # one vector whatever the number of texts

    with pytest.raises(ConfigurationError, match="expected \\(6, 384\\)"):
        embed_pending(catalogue, Short(), batch_size=10)
    assert all(v is None for v in _embeddings(catalogue).values())


def test_content_nearest_ranks_feedback_items_first_for_a_feedback_need(catalogue, embedder):
    embed_pending(catalogue, embedder)
    [need] = embedder.embed(["giving constructive feedback to a direct report"])
    with catalogue.connection() as conn:
        nearest = nearest_content(conn, need, limit=3)
    assert [n.id for n in nearest[:2]] == [content_id("lib", "fb-1"), content_id("lib", "fb-2")]
    assert nearest[0].title == "Feedback that lands"
    similarities = [n.similarity for n in nearest]
    assert similarities == sorted(similarities, reverse=True)
    assert nearest[0].similarity == pytest.approx(
        float(np.dot(need, _embeddings(catalogue)["fb-1"])), abs=1e-4
    )


def test_content_nearest_leaves_out_retired_items_unless_asked(catalogue, embedder):
    embed_pending(catalogue, embedder)
    [need] = embedder.embed(["giving constructive feedback to a direct report"])
    with catalogue.connection() as conn:
        retire_content(conn, "lib", ["fb-1"])
    with catalogue.connection() as conn:
        live = nearest_content(conn, need, limit=10)
        every = nearest_content(conn, need, limit=10, exclude_retired=False)
        assert nearest_content(conn, need, limit=0) == []
    assert content_id("lib", "fb-1") not in {n.id for n in live}
    assert len(live) == 5
    assert every[0].id == content_id("lib", "fb-1") and len(every) == 6


def test_content_nearest_query_is_answered_by_the_hnsw_index(catalogue, embedder):
    embed_pending(catalogue, embedder)
    [need] = embedder.embed(["budget"])
    with catalogue.connection() as conn:
        # Six rows would be read sequentially; forbid that to see whether the query's shape
        # lets the planner use the HNSW index at all.
        conn.execute("SET LOCAL enable_seqscan = off")
        assert nearest_content(conn, need, limit=2)[0].id == content_id("lib", "bud-1")
        scans = conn.execute(
            "SELECT pg_stat_get_xact_numscans('content_item_embedding'::regclass)"
        ).fetchone()[0]
        assert scans >= 1
        assert conn.execute("SHOW hnsw.iterative_scan").fetchone()[0] == "strict_order"


def test_content_embeddings_load_into_the_rankers_item_matrix(catalogue, embedder):
    from learnwire.core.ranker.items import load_items

    embed_pending(catalogue, embedder)
    with catalogue.connection() as conn:
        items = load_items(conn)
    fb1 = items.ids.index(content_id("lib", "fb-1"))
    assert items.embedding.shape == (6, 384)
    assert np.allclose(items.embedding[fb1], _embeddings(catalogue)["fb-1"], atol=1e-6)
