"""Micro-surveys on the learner's LTI page: "was this relevant to your work now?" for items
they completed lately, "did you use this? where?" a week or two later, and, for a manager,
"have you seen your team apply X?" about a team they manage (k-anonymous). Reading the form
and wording the confirmation live here; storing goes through :mod:`learnwire.core.surveys`,
so the delivered messages' one-tap answers and these land as the same statements."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from ...core import surveys
from ...core.governance import Subject
from ...core.runtime import Runtime
from ...core.surveys import record as survey_record
from ...core.surveys.observations import observation_prompts
from ...core.surveys.prompts import pending
from ...core.surveys.settings import survey_settings
from .errors import FeedbackRefused, NotAllowed
from .launches import LaunchRecord

Conn = psycopg.Connection[Any]
#: The purpose a learner's own page serves, and the signal family their answers belong to.
PURPOSE = "development_recommendation"
FEEDBACK_FAMILY = "feedback"
#: Confirmation codes the redirect carries, by kind (see feedback.THANKS).
DONE = {
    surveys.RELEVANCE: "survey_relevance",
    surveys.APPLICATION: "survey_application",
    surveys.OBSERVATION: "survey_observation",
}
THANKS = {
    "survey_relevance": "Thanks — your answer shapes what we suggest next.",
    "survey_application": "Thanks for telling us how you used it.",
    "survey_observation": "Thanks — your team's answer is counted, never shown on its own.",
}


@dataclass(frozen=True)
class Question:
    kind: str
    question: str
    about: str
    answers: list[tuple[str, str]]  # (form value, label)
    content_id: uuid.UUID | None = None
    team_id: str | None = None
    skill_id: str | None = None


def questions(
    conn: Conn, runtime: Runtime, record: LaunchRecord, *, at: datetime | None = None
) -> list[Question]:
    """What the page asks this learner now (their own questions, then a manager's); nothing
    when the policy keeps their feedback out (they opted out of it): an answer could not be
    stored."""
    at = at or datetime.now(UTC)
    own = Subject.learner(record.learner_id)
    view = runtime.governance.governed_view(conn, record.learner_id, PURPOSE, own, as_of=at)
    if not view.allows(FEEDBACK_FAMILY):
        return []
    out = [
        Question(p.kind, surveys.QUESTIONS[p.kind], p.title, _answers(p.kind), p.content_id)
        for p in pending(conn, [record.learner_id], at=at).get(record.learner_id, [])
    ]
    horizon = survey_settings(runtime.settings).observation_horizon_days
    for obs in observation_prompts(
        conn, runtime.governance, record.learner_id, at=at, horizon_days=horizon
    ):
        about = f"{obs.team_name}: {obs.skill_name}"
        out.append(
            Question(
                surveys.OBSERVATION,
                surveys.QUESTIONS[surveys.OBSERVATION],
                about,
                _answers(surveys.OBSERVATION),
                team_id=obs.team_id,
                skill_id=obs.skill_id,
            )
        )
    return out


def answer(conn: Conn, runtime: Runtime, record: LaunchRecord, form: Mapping[str, str]) -> str:
    """Store what the survey form posted; returns the confirmation code."""
    kind = (form.get("kind") or "").strip()
    if kind not in surveys.KINDS:
        raise FeedbackRefused(
            f"'{kind[:40]}' is not a survey; use one of: {', '.join(surveys.KINDS)}."
        )
    given = (form.get("answer") or "").strip()
    if given not in surveys.ANSWERS[kind]:
        raise FeedbackRefused(
            f"'{given[:40]}' is not an answer to this question; use one of: "
            + ", ".join(surveys.ANSWERS[kind])
            + "."
        )
    intake = runtime.intake()
    if kind == surveys.OBSERVATION:
        done = survey_record.observe_team(
            conn,
            intake,
            manager_id=record.learner_id,
            team_id=(form.get("team") or "").strip(),
            skill_id=(form.get("skill") or "").strip(),
            answer=given,
            k=runtime.governance.min_group_size,
            via="lti",
        )
    elif kind == surveys.APPLICATION:
        done = survey_record.answer_application(
            conn,
            intake,
            learner_id=record.learner_id,
            content_id=_content_id(form),
            answer=given,
            where=(form.get("where") or "").strip() or None,
            note=form.get("note"),
            via="lti",
        )
    else:
        done = survey_record.answer_relevance(
            conn, intake, learner_id=record.learner_id, content_id=_content_id(form),
            answer=given, via="lti",
        )  # fmt: skip
    if done.refused:
        raise NotAllowed(f"Your answer was not stored: {done.refused}.")
    return DONE[kind]


def _answers(kind: str) -> list[tuple[str, str]]:
    return [(a, surveys.LABELS[a]) for a in surveys.ANSWERS[kind]]


def _content_id(form: Mapping[str, str]) -> uuid.UUID:
    raw = (form.get("content_id") or "").strip()
    if not raw:
        raise FeedbackRefused("The answer named no item (content_id is missing).")
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise FeedbackRefused(f"'{raw[:60]}' is not a content item id.") from exc
