"""What a message asks: the micro-survey questions waiting for its person, each answer a
signed one-tap link (see :mod:`.web`), so answering needs no sign-in and cannot be forged
for someone else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from .. import surveys
from ..governance import Governance
from ..runtime import Runtime
from ..surveys.observations import observation_prompts
from ..surveys.prompts import pending
from ..surveys.settings import survey_settings
from .links import Links
from .outbox import Claim

Conn = psycopg.Connection[Any]


def questions(
    conn: Conn,
    claim: Claim,
    links: Links,
    *,
    governance: Governance | None,
    at: datetime,
    limit: int,
    horizon_days: int,
) -> list[dict[str, Any]]:
    """The questions for ``claim``'s message, as payload entries: a digest asks the learner's
    own (relevance, application); a survey message also asks a manager about their teams."""
    if claim.kind not in ("digest", "survey") or limit <= 0:
        return []
    out: list[dict[str, Any]] = []
    for prompt in pending(conn, [claim.learner_id], at=at, limit=limit).get(claim.learner_id, []):
        ids = {"s": claim.send_id, "l": claim.learner_id, "c": prompt.content_id}
        out.append(_entry(links, prompt.kind, prompt.title, ids))
    if claim.kind == "survey" and governance is not None:
        for obs in observation_prompts(
            conn, governance, claim.learner_id, at=at, horizon_days=horizon_days, limit=limit
        ):
            ids = {"s": claim.send_id, "l": claim.learner_id, "t": obs.team_id, "sk": obs.skill_id}
            about = f"{obs.team_name}: {obs.skill_name}"
            out.append(_entry(links, surveys.OBSERVATION, about, ids))
    return out


def waiting_for(runtime: Runtime) -> Callable[[Conn, list[UUID], datetime], set[UUID]]:
    """For the planner: who among some people has questions waiting now (their own, or, for
    a manager, about a team)."""
    horizon = survey_settings(runtime.settings).observation_horizon_days

    def waiting(conn: Conn, people: list[UUID], at: datetime) -> set[UUID]:
        found = set(pending(conn, people, at=at, limit=1))
        managers = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT learner_id FROM team_membership "
                "WHERE is_manager AND learner_id = ANY(%s)",
                ([p for p in people if p not in found],),
            )
        ]
        governance = runtime.governance if managers else None
        for manager in managers:
            if governance is not None and observation_prompts(
                conn, governance, manager, at=at, horizon_days=horizon, limit=1
            ):
                found.add(manager)
        return found

    return waiting


def _entry(links: Links, kind: str, about: str, ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "question": surveys.QUESTIONS[kind],
        "about": about,
        "answers": [
            {"label": surveys.LABELS[a], "url": links.url("answer", k=kind, a=a, **ids)}
            for a in surveys.ANSWERS[kind]
        ],
    }
