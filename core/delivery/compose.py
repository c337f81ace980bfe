"""What a message says: its items (chosen once per message, shared by every channel and the
LMS page), the fields offered to a channel's processor, and the organisation's templates
rendered from what the policy let through."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import jinja2
import psycopg

from .channel import Message, MessageItem, MessageSurvey
from .links import Links
from .outbox import Claim

Conn = psycopg.Connection[Any]
SHIPPED = Path(__file__).parent / "templates"
#: A nudge prepares for a situation: its item is the best one this signal moved.
SITUATION_SIGNAL = "upcoming_situation"


class NothingToSend(Exception):
    """No item fits (an empty catalogue, or nothing prepares for the situation)."""


def choose_items(
    conn: Conn, service: Any, claim: Claim, *, limit: int, at: datetime, store: bool = True
) -> list[tuple[UUID, str]]:
    """The message's items as (content id, reason): those already chosen for it, else the
    ranker's, stored (unless ``store`` is off: a preview) so every channel and the LMS page
    show the same set."""
    if claim.kind == "survey":
        return []  # a survey message asks; it recommends nothing
    stored = conn.execute(
        "SELECT content_id, reason FROM delivery_item WHERE outbox_id = %s ORDER BY rank",
        (claim.outbox_id,),
    ).fetchall()
    if stored:
        return [(r[0], r[1]) for r in stored]
    ranking, _ = service.rank(conn, claim.learner_id, at=at, limit=max(limit, 8))
    recs = ranking.recommendations
    if claim.kind == "nudge":
        recs = [
            r
            for r in recs
            if any(c.signal == SITUATION_SIGNAL and c.contribution > 0 for c in r.contributions)
        ][:1]
    else:
        recs = recs[:limit]
    if not recs:
        raise NothingToSend(
            "nothing in the catalogue prepares for it"
            if claim.kind == "nudge"
            else "no item to recommend yet"
        )
    if not store:
        return [(r.content_id, r.explanation) for r in recs]
    conn.execute(
        "INSERT INTO delivery_item (outbox_id, rank, content_id, reason) "
        "SELECT %s, * FROM unnest(%s::smallint[], %s::uuid[], %s::text[]) "
        "ON CONFLICT DO NOTHING",
        (
            claim.outbox_id,
            list(range(1, len(recs) + 1)),
            [r.content_id for r in recs],
            [r.explanation for r in recs],
        ),
    )
    return [(r.content_id, r.explanation) for r in recs]


def payload(
    conn: Conn,
    claim: Claim,
    items: list[tuple[UUID, str]],
    links: Links,
    *,
    weekly: bool,
    questions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything a message could say, as the dotted fields the processor rules name."""
    found = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT id, title, format, duration_minutes, coalesce(activity_id, launch_url) "
            "FROM content_item WHERE id = ANY(%s)",
            ([i for i, _ in items],),
        )
    }
    entries = []
    for content_id, reason in items:
        if content_id not in found:
            continue
        title, fmt, minutes, activity = found[content_id]
        ids = {"s": claim.send_id, "c": content_id, "l": claim.learner_id}
        entries.append(
            {
                "title": title,
                "reason": reason,
                "duration_minutes": float(minutes),
                "format": fmt,
                "url": links.url("open", **ids),
                "dismiss_url": links.url("dismiss", **ids),
                "activity": activity,
            }
        )
    if claim.kind == "nudge":
        intro = "Something short to get you ready for tomorrow."
    elif claim.kind == "survey":
        intro = "A quick question about what you learned: one tap answers it."
    else:
        period = "this week" if weekly else "today"
        intro = f"Your {len(entries)} learning pick{'s' if len(entries) != 1 else ''} for {period}."
    unsubscribe = links.url("unsubscribe", l=claim.learner_id, k=claim.kind, ch=claim.channel)
    return {
        "message": {
            "intro": intro,
            "timing": claim.timing,
            "items": entries,
            "surveys": questions or [],
            "unsubscribe_url": unsubscribe,
        }
    }


class Templates:
    """Jinja2 templates: the organisation's directory first, then the shipped ones."""

    def __init__(self, override: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override is not None:
            loaders.append(jinja2.FileSystemLoader(str(override)))
        loaders.append(jinja2.FileSystemLoader(str(SHIPPED)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def message(self, claim: Claim, allowed: dict[str, Any], *, address: str) -> Message:
        """Render from ``allowed`` only (what passed the processor's rules)."""
        body = allowed.get("message", {})
        items = [MessageItem(**item) for item in body.get("items", [])]
        asked = [MessageSurvey(**question) for question in body.get("surveys", [])]
        context = {
            "kind": claim.kind,
            "intro": body.get("intro", ""),
            "timing": body.get("timing", ""),
            "items": items,
            "surveys": asked,
            "unsubscribe_url": body.get("unsubscribe_url", ""),
        }
        render = self._render
        return Message(
            send_id=claim.send_id,
            learner_id=claim.learner_id,
            kind=claim.kind,
            channel=claim.channel,
            address=address,
            # One line, whatever a title holds: a line break in a header would split it.
            subject=" ".join(render(f"{claim.kind}.subject.txt", context).split()),
            intro=context["intro"],
            timing=context["timing"],
            items=items,
            surveys=asked,
            unsubscribe_url=context["unsubscribe_url"],
            text=render(f"{claim.kind}.txt", context),
            html=render(f"{claim.kind}.html", context),
        )

    def _render(self, name: str, context: dict[str, Any]) -> str:
        return self.env.get_template(name).render(**context)
