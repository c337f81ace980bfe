"""What Claude is asked for contextual reranking, and the only answer accepted.

The answer is requested as JSON in the prompt and validated strictly with pydantic; an
answer that does not fit exactly is not repaired (the deterministic ranking stands).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Part of the cache key: a changed prompt must not reuse answers to the old one.
PROMPT_VERSION = "1"
MAX_OUTPUT_TOKENS = 1500
#: Rough characters per token, only to size the budget reservation before a call.
CHARS_PER_TOKEN = 3

SYSTEM_PROMPT = """\
You order learning suggestions for one person at work and say why each suits them now.

The user message is JSON with up to three parts; any field may be missing:
- learner: role, management_level, stated_goals (skill names), skills (skill, level and \
target, both from 0 to 1; target is what the role requires), locale;
- context.situations: upcoming work situations (kind, in_days: 0 today, 1 tomorrow, \
minutes);
- candidates: learning items a ranking system already chose (id, title, summary, format, \
duration_minutes, difficulty from 0 to 1, skills).

Order ALL candidates from most to least useful for this person now: the soonest situations \
first, then their goals and the largest gaps between level and target, then whether the \
format and length fit. For every candidate write one sentence of at most 40 words, \
addressed to the person as "you", saying why it is worth their time now. Use only facts \
from the input; invent no names, dates or numbers. Write in the language of the locale.

Reply with only a JSON object, no other text and no code fence, exactly in this form:
{"ranking": [{"id": "<candidate id>", "framing": "<one sentence>"}]}
Use every candidate id exactly once, and no other ids."""


class FramedItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    framing: str = Field(pattern=r"^[^\r\n]{10,300}$")


class RerankAnswer(BaseModel):
    """Claude's answer, validated strictly: anything else means the ranker decides alone."""

    model_config = ConfigDict(extra="forbid")

    ranking: list[FramedItem] = Field(min_length=1)


def payload_key(model: str, sent: dict[str, Any]) -> str:
    """SHA-256 of exactly what was sent, with the model and prompt version it was sent to."""
    canonical = json.dumps(
        {"model": model, "prompt": PROMPT_VERSION, "payload": sent},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
