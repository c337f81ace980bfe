"""Optional second opinion on machine tags from Claude (Anthropic's Messages API).

Off by default: it runs only when the catalogue's ``claude_verification`` setting is on, an
Anthropic API key is configured, and the policy lets item text go to the
``anthropic_tagging`` processor. Each call shows Claude one item (its title and summary,
cut to ``max_chars``) and the machine's suggested skills (id, name, description) and asks
for a strict JSON verdict per skill. Nothing about a person is ever in the payload: it is
built from the catalogue and the skills framework only, and the policy's egress filter
(which also blanks e-mail addresses) decides what of it leaves, audited.

A verdict is kept in ``skill_tag_verification`` with the model and the version of the
item's text it judged. A denied machine tag is not applied: it waits for a person in the
review queue. A confirmation changes nothing by itself (Claude is a check on the embedder,
not a second tagger), and an admin's decision always wins.

Every call has a deadline (``anthropic_timeout_seconds``, no retries), a size cap on what
is sent (``max_body_chars``) and a place in the daily token budget the reranker shares.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from uuid import UUID

import anthropic
from pydantic import BaseModel, ConfigDict, Field

from ...core.config import Settings
from ...core.governance import AccessDenied, Governance
from ...core.ranker.claude_call import BudgetSpent, ClaudeFailed, ask_claude
from ...core.ranker.contextual_store import TokenBudget
from ...core.store import Database

log = logging.getLogger(__name__)
PROCESSOR = "anthropic_tagging"
MAX_OUTPUT_TOKENS = 600
CHARS_PER_TOKEN = 3
SYSTEM_PROMPT = (
    "You check skill tags of workplace learning items. You are given one item (title and "
    "summary) and skills a machine suggested it teaches. For each suggested skill decide "
    "whether a learner who completes the item would practise or learn that skill. Answer "
    'with JSON only, no prose: {"verdicts": [{"skill_id": "...", "verdict": "confirm" or '
    '"deny", "reason": "one short sentence"}]}, naming every suggested skill exactly once.'
)

_PENDING = """
WITH pending AS (
    SELECT t.content_id, t.skill_id, t.rank, t.confidence FROM skill_tag t
    JOIN content_item c ON c.id = t.content_id AND c.retired_at IS NULL
    WHERE t.origin = 'machine'
    AND NOT EXISTS (SELECT 1 FROM skill_tag_decision d
                    WHERE d.content_id = t.content_id AND d.skill_id = t.skill_id)
    AND NOT EXISTS (SELECT 1 FROM skill_tag_verification v WHERE v.content_id = t.content_id
                    AND v.skill_id = t.skill_id AND v.item_updated_at = c.updated_at)
), chosen AS (
    SELECT content_id FROM pending GROUP BY 1 ORDER BY max(confidence) DESC, 1 LIMIT %(items)s
)
SELECT p.content_id, c.title, c.summary, c.updated_at, p.skill_id, s.name, s.description
FROM pending p JOIN chosen USING (content_id)
JOIN content_item c ON c.id = p.content_id JOIN skill s ON s.id = p.skill_id
ORDER BY p.content_id, p.rank
"""


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skill_id: str = Field(min_length=1, max_length=128)
    verdict: Literal["confirm", "deny"]
    reason: str = Field(default="", max_length=500)


class VerifyAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdicts: list[Verdict] = Field(max_length=20)


@dataclass
class VerifyReport:
    items: int = 0
    content_ids: list[str] = field(default_factory=list)
    confirmed: int = 0
    denied: int = 0
    skipped: list[str] = field(default_factory=list)
    stopped: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class VerifyError(Exception):
    """This item could not be verified; ``str(self)`` says why."""


class Stop(Exception):
    """No item can be verified this run (policy, key, budget); ``str(self)`` says why."""


@dataclass(frozen=True)
class Pending:
    content_id: UUID
    title: str
    summary: str
    updated_at: Any
    skills: list[tuple[str, str, str]]  # id, name, description


class ClaudeTagVerifier:
    def __init__(
        self,
        settings: Settings,
        governance: Governance,
        db: Database,
        *,
        max_chars: int = 2000,
        max_body_chars: int = 12_000,
    ) -> None:
        self.settings = settings
        self.governance = governance
        self.db = db
        self.model = settings.anthropic_model
        self.max_chars = max_chars
        self.max_body_chars = max_body_chars
        self.budget = TokenBudget(db, settings.anthropic_daily_token_budget)
        self._client: anthropic.Anthropic | None = None

    def client(self) -> anthropic.Anthropic:
        if self._client is None:
            key = self.settings.anthropic_api_key
            if key is None:
                raise Stop("no Anthropic API key is configured (LEARNWIRE_ANTHROPIC_API_KEY)")
            self._client = anthropic.Anthropic(
                api_key=key.get_secret_value(),
                base_url=self.settings.anthropic_base_url,
                timeout=self.settings.anthropic_timeout_seconds,
                max_retries=0,
            )
        return self._client

    def run(self, *, items: int = 50, seconds: float = 120.0) -> VerifyReport:
        """Verify the machine tags of up to ``items`` items not verified for their current
        text, stopping at the first reason that holds for every item or after ``seconds``."""
        started = time.monotonic()
        report = VerifyReport()
        try:
            self.client()
            for pending in self.pending(items):
                if time.monotonic() - started > seconds:
                    report.stopped = f"the run's {seconds:g} s deadline passed"
                    break
                try:
                    verdicts = self.verify(pending)
                except VerifyError as exc:
                    log.warning("tag verification of %s skipped: %s", pending.content_id, exc)
                    report.skipped.append(f"{pending.content_id}: {exc}")
                    continue
                self._store(pending, verdicts)
                report.items += 1
                report.content_ids.append(str(pending.content_id))
                report.confirmed += sum(v.verdict == "confirm" for v in verdicts)
                report.denied += sum(v.verdict == "deny" for v in verdicts)
        except Stop as stop:
            report.stopped = str(stop)
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def pending(self, items: int) -> list[Pending]:
        with self.db.connection() as conn:
            rows = conn.execute(_PENDING, {"items": items}).fetchall()
        out: dict[UUID, Pending] = {}
        for cid, title, summary, updated, sid, name, description in rows:
            entry = out.setdefault(cid, Pending(cid, title, summary or "", updated, []))
            entry.skills.append((sid, name, description or ""))
        return list(out.values())

    def payload(self, pending: Pending) -> dict[str, Any]:
        return {
            "item": {"title": pending.title, "summary": pending.summary[: self.max_chars]},
            "suggestions": [
                {"skill_id": sid, "skill": name, "description": description[:500]}
                for sid, name, description in pending.skills
            ],
        }

    def verify(self, pending: Pending) -> list[Verdict]:
        """Claude's verdict on each suggested skill of one item.

        :raises Stop: the policy refuses the egress, or today's budget is spent.
        :raises VerifyError: this item's request is too large, failed or was answered badly.
        """
        payload = self.payload(pending)
        with self.db.connection() as conn:
            self.governance.refresh(conn)
        preview = self.governance.egress_preview(PROCESSOR, payload)
        if preview is None:
            self._egress(payload)  # audits the refusal and raises Stop
            raise Stop(f"the policy does not let item text go to '{PROCESSOR}'")
        if not _sendable(preview, pending):
            raise Stop(
                f"the policy for '{PROCESSOR}' does not let an item's title and its suggested "
                "skills' ids leave, so Claude could not judge them"
            )
        body = json.dumps(preview, ensure_ascii=False, separators=(",", ":"))
        if len(body) > self.max_body_chars:
            raise VerifyError(f"the request would be {len(body)} characters, over the cap")
        sent = self._egress(payload)
        if not _sendable(sent, pending):
            raise Stop(f"the policy for '{PROCESSOR}' changed during the run")
        body = json.dumps(sent, ensure_ascii=False, separators=(",", ":"))
        answer = self._call(body)
        wanted = sorted(sid for sid, _, _ in pending.skills)
        if sorted(v.skill_id for v in answer.verdicts) != wanted:
            raise VerifyError("Claude's answer did not name each suggested skill exactly once")
        return answer.verdicts

    def _egress(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            # Committed before the call: what left is on record even if the call fails.
            with self.db.connection() as conn, conn.transaction():
                return self.governance.egress(conn, PROCESSOR, payload, learner_id=None)
        except AccessDenied as denied:
            raise Stop(f"the policy does not let item text go to '{PROCESSOR}': {denied}") from None

    def _call(self, body: str) -> VerifyAnswer:
        try:
            answer, _ = ask_claude(
                self.client(),
                self.budget,
                VerifyAnswer,
                model=self.model,
                system=SYSTEM_PROMPT,
                body=body,
                max_output_tokens=MAX_OUTPUT_TOKENS,
                chars_per_token=CHARS_PER_TOKEN,
                timeout_seconds=self.settings.anthropic_timeout_seconds,
            )
        except BudgetSpent:
            raise Stop("today's Anthropic token budget is spent") from None
        except ClaudeFailed as failed:
            raise VerifyError(str(failed)) from None
        return answer

    def _store(self, pending: Pending, verdicts: list[Verdict]) -> None:
        at = pending.updated_at
        with self.db.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO skill_tag_verification (content_id, skill_id, verdict, reason, "
                "model, item_updated_at) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (content_id, skill_id) DO UPDATE SET verdict = excluded.verdict, "
                "reason = excluded.reason, model = excluded.model, "
                "item_updated_at = excluded.item_updated_at, verified_at = clock_timestamp()",
                [
                    (pending.content_id, v.skill_id, v.verdict, v.reason, self.model, at)
                    for v in verdicts
                ],
            )


def _sendable(payload: dict[str, Any], pending: Pending) -> bool:
    """Does what may leave still name the item and every suggested skill?"""
    item = payload.get("item")
    named = [s.get("skill_id") for s in payload.get("suggestions", []) if isinstance(s, dict)]
    wanted = [sid for sid, _, _ in pending.skills]
    return isinstance(item, dict) and bool(item.get("title")) and named == wanted
