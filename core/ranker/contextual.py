"""Optional contextual reranking with Claude, on top of the deterministic ranking.

For a learner with rich context (an upcoming work situation and goals), Claude is shown the
ranker's own top candidates together with what the policy lets leave for the
``anthropic`` processor, and asked for a strict JSON answer: every candidate in a new order,
each with a one-sentence framing for this person. The answer may only reorder what the
ranker proposed. The items Claude puts first fill the places of the deterministic list, as
many stretch items as before, and each recommendation records the move as a
``contextual_rerank`` contribution so the contributions still add up to its score.

The deterministic ranking stands, with the reason logged and reported in
``ranking.signals`` (status ``skipped``), whenever: no API key is set; the learner's context
is not rich; the policy refuses the egress; today's token budget is spent; the call fails or
times out; or the answer is not exactly the JSON asked for (nothing is repaired).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg

from ..governance import AccessDenied, Governance
from ..governed_view import GovernedView
from ..learner.state import LearnerState
from ..models import Recommendation, SignalContribution
from .claude_call import BudgetSpent, ClaudeFailed, ask_claude
from .contextual_payload import build_payload, has_rich_context
from .contextual_prompt import (
    CHARS_PER_TOKEN,
    MAX_OUTPUT_TOKENS,
    SYSTEM_PROMPT,
    RerankAnswer,
    payload_key,
)
from .contextual_store import AnswerCache, TokenBudget
from .engine import Ranking, SignalUse
from .items import ItemMatrix

if TYPE_CHECKING:
    from ..config import Settings
    from ..store import Database

log = logging.getLogger(__name__)
Conn = psycopg.Connection[Any]

SIGNAL = "contextual_rerank"
PROCESSOR = "anthropic"
#: How many of the ranker's best candidates Claude may reorder.
TOP_K = 10


class _Skip(Exception):
    """Contextual reranking does not apply to this ranking; ``str(self)`` says why."""


class _Failed(_Skip):
    """Claude was asked but gave no usable answer (logged as a warning, not as routine)."""


#: Called with a number of places, returns the deterministic ranking of that length.
Pool = Callable[[int], Ranking]


class ContextualReranker:
    """Reranks a learner's deterministic ranking with Claude when it can, else leaves it.

    :param governance: the policy engine whose egress filter decides what leaves.
    :param db: for the token budget, the answer cache and the egress audit, each committed
        on its own connection.
    """

    def __init__(
        self, settings: Settings, governance: Governance, db: Database, *, top_k: int = TOP_K
    ) -> None:
        self.settings = settings
        self.governance = governance
        self.db = db
        self.top_k = top_k
        self.model = settings.anthropic_model
        self.budget = TokenBudget(db, settings.anthropic_daily_token_budget)
        self.cache = AnswerCache(db)
        self._client: Any = None

    @property
    def enabled(self) -> bool:
        return self.settings.anthropic_api_key is not None

    def client(self) -> Any:
        if self._client is None:
            import anthropic

            key = self.settings.anthropic_api_key
            assert key is not None
            self._client = anthropic.Anthropic(
                api_key=key.get_secret_value(),
                base_url=self.settings.anthropic_base_url,
                timeout=self.settings.anthropic_timeout_seconds,
                # A learner is waiting: rather than retrying, rank without Claude this time.
                max_retries=0,
            )
        return self._client

    def rerank(
        self,
        conn: Conn,
        ranking: Ranking,
        state: LearnerState,
        view: GovernedView,
        items: ItemMatrix,
        *,
        pool: Pool | None = None,
    ) -> Ranking:
        """``ranking`` reordered and reworded by Claude, or unchanged with the reason why.

        :param view: the governed view ``state`` was built from.
        :param pool: gives a longer deterministic ranking, so Claude may choose among the
            top ``top_k`` candidates rather than only the places of ``ranking``.
        """
        try:
            shown, extended, answer, how = self._answer(conn, ranking, state, view, items, pool)
        except _Skip as skip:
            level = logging.WARNING if isinstance(skip, _Failed) else logging.INFO
            log.log(level, "contextual reranking skipped, deterministic ranking kept: %s", skip)
            use = SignalUse(SIGNAL, 1.0, "skipped", str(skip))
            return replace(ranking, signals=[*ranking.signals, use])
        return self._apply(ranking, shown, extended, answer, how)

    # -- asking ----------------------------------------------------------------------------

    def _answer(
        self,
        conn: Conn,
        ranking: Ranking,
        state: LearnerState,
        view: GovernedView,
        items: ItemMatrix,
        pool: Pool | None,
    ) -> tuple[list[Recommendation], Ranking, RerankAnswer, str]:
        if not self.enabled:
            raise _Skip("no Anthropic API key is configured (LEARNWIRE_ANTHROPIC_API_KEY)")
        if len(ranking.recommendations) < 2:
            raise _Skip("fewer than two recommendations, nothing to reorder")
        if not has_rich_context(state, ranking.at):
            raise _Skip(
                "the learner's context is not rich enough (needs a goal and a situation "
                "in the coming week)"
            )
        extended = ranking
        if pool is not None and len(ranking.recommendations) < self.top_k:
            extended = pool(self.top_k)
        shown = extended.recommendations[: self.top_k]
        summaries = _summaries(conn, [r.content_id for r in shown])
        offered = build_payload(state, view, items, shown, summaries, ranking.at)
        preview = self._preview(conn, offered, state.learner_id)
        wanted = sorted(str(r.content_id) for r in shown)
        if _candidate_ids(preview) != wanted:
            raise _Skip(
                f"the policy does not let candidate ids go to '{PROCESSOR}', so an answer "
                "could not be matched to items"
            )
        cached = self.cache.get(payload_key(self.model, preview), state.learner_id)
        if cached is not None:
            # Nothing leaves, so there is no egress to audit.
            return shown, extended, RerankAnswer.model_validate(cached), f"{self.model}, cached"
        sent = self._egress(conn, offered, state.learner_id)
        if _candidate_ids(sent) != wanted:
            raise _Skip(f"the policy for '{PROCESSOR}' changed while ranking; try again")
        answer, tokens = self._call(sent)
        _check_ids(answer, wanted)
        key = payload_key(self.model, sent)
        self.cache.put(key, state.learner_id, self.model, answer.model_dump(), *tokens)
        return shown, extended, answer, f"{self.model}, {sum(tokens)} tokens"

    def _preview(self, conn: Conn, payload: dict[str, Any], learner_id: UUID) -> dict[str, Any]:
        """What the policy would let leave, without sending (so without an egress record);
        a refusal goes through :meth:`_egress`, which audits it."""
        self.governance.refresh(conn)
        preview = self.governance.egress_preview(PROCESSOR, payload)
        if preview is None:
            self._egress(conn, payload, learner_id)  # raises _Skip with the policy's reason
            raise _Skip(f"the policy does not let data go to '{PROCESSOR}'")
        return preview

    def _egress(self, conn: Conn, payload: dict[str, Any], learner_id: UUID) -> dict[str, Any]:
        """The payload as the policy lets it leave; the egress is audited and committed."""
        try:
            if self.governance.holds_audit_lock(conn):
                # The caller's transaction already appended to the audit chain; a second
                # connection would wait for it. The egress is audited with the caller's work.
                return self.governance.egress(conn, PROCESSOR, payload, learner_id=learner_id)
            # Committed before the call, so the record of what left survives a rollback
            # and the audit chain's lock is not held while Claude answers.
            with self.db.connection() as own, own.transaction():
                own.execute("SET LOCAL lock_timeout = '10s'")
                return self.governance.egress(own, PROCESSOR, payload, learner_id=learner_id)
        except AccessDenied as denied:
            raise _Skip(f"the policy does not let data go to '{PROCESSOR}': {denied}") from None
        except psycopg.errors.LockNotAvailable:
            # Nothing leaves unless its egress is on record.
            raise _Failed("the egress could not be audited in time; nothing was sent") from None

    def _call(self, sent: dict[str, Any]) -> tuple[RerankAnswer, tuple[int, int]]:
        body = json.dumps(sent, ensure_ascii=False, separators=(",", ":"))
        try:
            return ask_claude(
                self.client(),
                self.budget,
                RerankAnswer,
                model=self.model,
                system=SYSTEM_PROMPT,
                body=body,
                max_output_tokens=MAX_OUTPUT_TOKENS,
                chars_per_token=CHARS_PER_TOKEN,
                timeout_seconds=self.settings.anthropic_timeout_seconds,
            )
        except BudgetSpent as refused:
            spent = self.budget.usage()
            raise _Skip(
                f"today's token budget is spent ({spent.spent} of {self.budget.daily} used, "
                f"a call may need {refused.estimate})"
            ) from None
        except ClaudeFailed as failed:
            raise _Failed(str(failed)) from None

    # -- applying --------------------------------------------------------------------------

    def _apply(
        self,
        ranking: Ranking,
        shown: list[Recommendation],
        extended: Ranking,
        answer: RerankAnswer,
        how: str,
    ) -> Ranking:
        limit = len(ranking.recommendations)
        by_id = {str(r.content_id): r for r in shown}
        ordered = [by_id[f.id] for f in answer.ranking] + extended.recommendations[len(shown) :]
        framing = {f.id: f.framing for f in answer.ranking}
        # Keep the filter-bubble guard: as many stretch items as the ranker chose.
        stretch = sum(r.stretch for r in ranking.recommendations)
        places = {True: stretch, False: limit - stretch}
        chosen: list[Recommendation] = []
        for rec in ordered:
            if places[rec.stretch] > 0:
                chosen.append(rec)
                places[rec.stretch] -= 1
        chosen += [r for r in ordered if r not in chosen][: limit - len(chosen)]

        # Each item takes the score of the place it moves into; the difference is the
        # contextual contribution, so contributions keep adding up to the score.
        before = {r.content_id: r.rank for r in extended.recommendations}
        out, total = [], 0.0
        for place, (rec, slot) in enumerate(
            zip(chosen, ranking.recommendations, strict=False), start=1
        ):
            delta = round(slot.score - rec.score, 4)
            total += delta
            moved = before[rec.content_id]
            detail = (
                f"placed {_ordinal(place)} by {self.model} for your situation"
                if moved != place
                else f"kept {_ordinal(place)} by {self.model}"
            ) + f" (the ranker placed it {_ordinal(moved)})"
            contribution = SignalContribution(
                signal=SIGNAL, weight=1.0, value=delta, contribution=delta, detail=detail
            )
            explanation = rec.explanation
            if not rec.stretch:
                # A stretch item keeps the ranker's sentence, which names it as a stretch.
                explanation = framing.get(str(rec.content_id), rec.explanation)
            out.append(
                rec.model_copy(
                    update={
                        "rank": place,
                        "score": slot.score,
                        "contributions": [*rec.contributions, contribution],
                        "explanation": explanation,
                    }
                )
            )
        use = SignalUse(SIGNAL, 1.0, "used", how, round(total, 4))
        log.info("contextual reranking used (%s)", how)
        return replace(ranking, recommendations=out, signals=[*ranking.signals, use])


def contextual_status(ranking: Ranking) -> dict[str, Any]:
    """Whether Claude shaped this ranking, and if not, why (for API responses)."""
    use = next((u for u in ranking.signals if u.name == SIGNAL), None)
    if use is None:
        return {"used": False, "reason": "contextual reranking did not run"}
    return {"used": use.status == "used", "reason": use.reason}


def _candidate_ids(payload: dict[str, Any]) -> list[str]:
    found = [c.get("id") for c in payload.get("candidates", []) if isinstance(c, dict)]
    return sorted(str(i) for i in found if i)


def _check_ids(answer: RerankAnswer, offered: list[str]) -> None:
    named = [f.id for f in answer.ranking]
    unknown = sorted(set(named) - set(offered))
    if unknown:
        raise _Failed(f"Claude's answer named items that were not offered: {', '.join(unknown)}")
    if len(named) != len(set(named)) or len(named) != len(offered):
        raise _Failed("Claude's answer left out or repeated candidates")


def _summaries(conn: Conn, ids: list[UUID]) -> dict[UUID, str]:
    rows = conn.execute("SELECT id, summary FROM content_item WHERE id = ANY(%s)", (ids,))
    return {cid: summary for cid, summary in rows}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
