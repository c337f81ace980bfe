"""Recommendations for a learner: governed view -> learner state -> ranker -> stored.

The catalogue arrays, organisation context and shared peer signals are built once and
rebuilt only when the catalogue, the fitted model or team priorities change, so a single
request costs one governed view, one nearest-neighbour query and a few vector operations.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import numpy as np
import psycopg
from threadpoolctl import threadpool_limits

from ..embedders.active import active_embedder
from ..embedding import Embedder
from ..errors import ConfigurationError
from ..governance import Subject
from ..governed_view import GovernedView
from ..learner.build import build_state
from ..learner.org import OrgContext, load_org
from ..learner.state import LearnerState
from ..runtime import Runtime
from .candidates import Neighbours
from .context import SharedSignals
from .contextual import ContextualReranker
from .engine import Ranker, RankerConfig, Ranking
from .items import ItemMatrix, load_items
from .recommendations_store import store_ranking, store_rankings
from .shared import build_shared
from .signals import RankingSignal
from .variants import (
    FULL,
    RankingVariant,
    VariantResolver,
    resolve,
    segmentation_ranking,
    withhold,
    within_budget,
)

Conn = psycopg.Connection[Any]
PURPOSE = "development_recommendation"


@dataclass
class Model:
    stamp: int | None
    items: ItemMatrix
    org: OrgContext
    ranker: Ranker


@dataclass
class ModelData:
    """What a model is built from the store; the signals come from each process's plugins."""

    stamp: int | None
    items: ItemMatrix
    org: OrgContext
    shared: SharedSignals


def _stamp(conn: Conn) -> int | None:
    """Changes whenever what the shared model is built from changes (the catalogue, skills,
    job profiles, fitted parameters, team priorities: triggers keep the version; see
    migration 0004). Team gaps and co-occurrence are refreshed with it, not per statement."""
    row = conn.execute("SELECT version FROM model_input_change").fetchone()
    return row[0] if row else None  # None: nothing has changed since the schema was made


class RecommendationService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.governance = runtime.governance
        # Ranking is many small matrix-vector products; BLAS threads only add hand-off
        # latency (measured: 5 ms vs 0.07 ms for 2,000 x 384 on 2 busy cores), and a
        # server already runs requests in parallel.
        threadpool_limits(limits=1, user_api="blas")
        # Optional reranking with Claude; inert without LEARNWIRE_ANTHROPIC_API_KEY.
        self.contextual = ContextualReranker(runtime.settings, self.governance, runtime.db)
        self._lock = threading.Lock()
        self._model: Model | None = None
        self._variant_resolvers: list[VariantResolver] | None = None

    # -- model -----------------------------------------------------------------------------

    def signals(self) -> list[RankingSignal]:
        return self.runtime.collect("register_ranking_signals", expect=RankingSignal)

    def variant_resolvers(self) -> list[VariantResolver]:
        return self.runtime.collect("register_ranking_variants", expect=VariantResolver)

    def variants(
        self, conn: Conn, learner_ids: list[UUID], at: datetime
    ) -> dict[UUID, RankingVariant]:
        """Who is served something other than the full ranking (experiment arms)."""
        return resolve(self._resolvers(), conn, learner_ids, at)

    def _resolvers(self) -> list[VariantResolver]:
        if self._variant_resolvers is None:
            self._variant_resolvers = self.variant_resolvers()
        return self._variant_resolvers

    def embedder(self) -> Embedder | None:
        try:
            return active_embedder(self.runtime)
        except ConfigurationError:
            # Semantic signals then contribute nothing; lexical situation cues still work.
            return None

    def model(self, conn: Conn) -> Model:
        stamp = _stamp(conn)
        with self._lock:
            if self._model is None or self._model.stamp != stamp:
                self.governance.refresh(conn)
                k = self.governance.min_group_size
                items = load_items(conn)
                org = load_org(conn, items.skills.ids, k=k)
                shared = build_shared(conn, items, k=k, embedder=self.embedder())
                self._model = self._assemble(ModelData(stamp, items, org, shared))
            return self._model

    def _assemble(self, data: ModelData) -> Model:
        settings = self.runtime.settings
        config = RankerConfig(
            weights=settings.ranking_weights,
            diversity=settings.ranking_diversity,
            exploration_share=settings.ranking_exploration_share,
        )
        ranker = Ranker(self.signals(), data.items, data.shared, config)
        return Model(data.stamp, data.items, data.org, ranker)

    def adopt(self, data: ModelData) -> None:
        """Use a model another process built (batch workers get their parent's instead of
        each loading the catalogue and counting co-occurrence again); ``model`` still
        rebuilds it if the store has moved on since."""
        with self._lock:
            self._model = self._assemble(data)

    def model_data(self, conn: Conn) -> ModelData:
        """The current model's data, without the ranker's plugin objects (picklable)."""
        model = self.model(conn)
        return ModelData(model.stamp, model.items, model.org, model.ranker.shared)

    def model_items(self) -> ItemMatrix:
        """The catalogue arrays of the model last used (load one first with ``model``)."""
        if self._model is None:
            with self.runtime.db.connection() as conn:
                return self.model(conn).items
        return self._model.items

    # -- one learner -----------------------------------------------------------------------

    def state(
        self,
        conn: Conn,
        learner_id: UUID,
        *,
        at: datetime,
        viewer: Subject | None = None,
        model: Model | None = None,
        variant: RankingVariant = FULL,
    ) -> tuple[LearnerState, GovernedView]:
        model = model or self.model(conn)
        view = self.governance.governed_view(
            conn, learner_id, PURPOSE, viewer or Subject.learner(learner_id), as_of=at
        )
        view = _as_variant(view, variant)
        return build_state(view, model.items, model.org), view

    def recommend(
        self,
        learner_id: UUID,
        *,
        at: datetime | None = None,
        limit: int = 5,
        viewer: Subject | None = None,
        store: bool = True,
    ) -> Ranking:
        at = at or datetime.now(UTC)
        with self.runtime.db.connection() as conn:
            ranking, _ = self.rank(conn, learner_id, at=at, limit=limit, viewer=viewer)
            if store:
                store_ranking(conn, ranking)
        return ranking

    def rank(
        self,
        conn: Conn,
        learner_id: UUID,
        *,
        at: datetime,
        limit: int = 5,
        viewer: Subject | None = None,
        in_memory: bool = False,
    ) -> tuple[Ranking, GovernedView]:
        """Rank without storing; also returns the governed view the ranking read.

        Semantic candidates come from pgvector's HNSW index; ``in_memory`` searches the
        catalogue matrix already held for scoring instead (exact, and cheaper than a round
        trip per learner when ranking everyone in a batch).
        """
        model = self.model(conn)
        variant = self.variants(conn, [learner_id], at).get(learner_id, FULL)
        state, view = self.state(
            conn, learner_id, at=at, viewer=viewer, model=model, variant=variant
        )
        if variant.kind == "segmentation":
            # The same list for everyone in the role: no contextual reranking either.
            ranking = segmentation_ranking(
                state, model.items, at, limit=limit, source=variant.source
            )
            return within_budget(ranking, model.items, variant.minutes), view
        neighbours = None if in_memory else _pgvector_neighbours(conn, model.items)
        ranking = model.ranker.rank(state, at, limit=limit, neighbours=neighbours)
        # Contextual reranking (issue 6, item 12): for a learner with rich context Claude may
        # reorder the ranker's own top candidates and word their framing; otherwise, or when
        # it cannot (no key, budget spent, egress refused, call failed), the ranking above
        # stands and ranking.signals says why.
        ranking = self.contextual.rerank(
            conn,
            ranking,
            state,
            view,
            model.items,
            pool=lambda n: model.ranker.rank(state, at, limit=n, neighbours=neighbours),
        )
        return within_budget(ranking, model.items, variant.minutes), view

    def recommend_all(
        self,
        *,
        at: datetime | None = None,
        limit: int = 5,
        learners: list[UUID] | None = None,
        progress: Any = None,
        chunk: int = 500,
        processes: int = 1,
    ) -> int:
        """Rank every learner (or ``learners``) and store the results; returns how many.

        ``processes > 1`` splits the learners over that many worker processes (ranking is
        CPU-bound Python, so one process uses one core).

        Reads governed views a chunk at a time and searches the in-memory catalogue
        (exact) instead of one round trip per learner. The batch stays deterministic:
        contextual reranking with Claude happens when a learner asks, within its budget.
        """
        at = at or datetime.now(UTC)
        with self.runtime.db.connection() as conn:
            if learners is None:
                learners = [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]
        if processes > 1 and len(learners) > chunk:
            with self.runtime.db.connection() as conn:
                data = self.model_data(conn)
            return _in_processes(
                self.runtime.settings, data, learners, at, limit, chunk, processes, progress
            )
        done = 0
        for start in range(0, len(learners), chunk):
            with self.runtime.db.connection() as conn:
                model = self.model(conn)
                views = self.governance.governed_views(
                    conn, learners[start : start + chunk], PURPOSE, as_of=at
                )
                variants = self.variants(conn, list(views), at)
                rankings = [
                    _rank_variant(model, view, variants.get(learner_id, FULL), at, limit)
                    for learner_id, view in views.items()
                ]
                store_rankings(conn, rankings)
            done += len(rankings)
            if progress is not None:
                progress(len(rankings))
        return done


def _as_variant(view: GovernedView, variant: RankingVariant) -> GovernedView:
    if variant.kind == "without" and variant.family:
        return withhold(view, variant.family, f"withheld by {variant.source or 'an experiment'}")
    return view


def _rank_variant(
    model: Model, view: GovernedView, variant: RankingVariant, at: datetime, limit: int
) -> Ranking:
    state = build_state(_as_variant(view, variant), model.items, model.org)
    if variant.kind == "segmentation":
        ranking = segmentation_ranking(state, model.items, at, limit=limit, source=variant.source)
    else:
        ranking = model.ranker.rank(state, at, limit=limit)
    return within_budget(ranking, model.items, variant.minutes)


def _in_processes(
    settings: Any,
    data: ModelData,
    learners: list[UUID],
    at: datetime,
    limit: int,
    chunk: int,
    processes: int,
    progress: Any,
) -> int:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn, not fork: the parent holds a connection pool and threads a fork would copy.
    context = multiprocessing.get_context("spawn")
    share = -(-len(learners) // processes)
    parts = [learners[i : i + share] for i in range(0, len(learners), share)]
    done = 0
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [
            pool.submit(_rank_part, settings, data, part, at, limit, chunk) for part in parts
        ]
        for future in as_completed(futures):
            count = future.result()
            done += count
            if progress is not None:
                progress(count)
    return done


def _rank_part(
    settings: Any, data: ModelData, learners: list[UUID], at: datetime, limit: int, chunk: int
) -> int:
    runtime = Runtime(settings)
    try:
        service = RecommendationService(runtime)
        service.adopt(data)
        return service.recommend_all(at=at, limit=limit, learners=learners, chunk=chunk)
    finally:
        runtime.close()


def _pgvector_neighbours(conn: Conn, items: ItemMatrix) -> Neighbours:
    """Nearest live items to a need vector, by pgvector's HNSW index.

    The index search explores ``hnsw.ef_search`` candidates (40 by default), so asking for
    more than that returned only 40; the search is sized to the request, and pgvector's
    iterative scan keeps going when the retired filter removes candidates.
    """

    def search(vector: np.ndarray, n: int) -> np.ndarray:
        # The settings and the search in one pipeline: one round trip, settings first.
        with conn.pipeline():
            conn.execute(
                "SELECT set_config('hnsw.ef_search', %s, true), "
                "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                (str(max(40, min(1000, n))),),
            )
            found = conn.cursor().execute(
                "SELECT id FROM content_item WHERE retired_at IS NULL AND embedding IS NOT NULL "
                "ORDER BY embedding <=> %s LIMIT %s",
                (vector, n),
            )
        rows = found.fetchall()
        return np.array([items.position[r[0]] for r in rows if r[0] in items.position], np.int64)

    return search
