"""JSON API for recommendations and the feedback that shapes them.

``GET  /api/v1/learners/<id>/recommendations?limit=5&at=<iso time>``
``POST /api/v1/learners/<id>/feedback``     ``{"content_id": ..., "verdict": "useful"}``
``PUT  /api/v1/learners/<id>/priorities``   ``{"priorities": {"<skill id>": 0.8}}``

Callers are the learner themself (a session opened by an LTI launch) or a service holding a
bearer token; the policy engine decides. Someone other than the learner never sees the
personal reasons behind a recommendation unless the policy lets them read that learner's data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, current_app, jsonify, request, session
from pydantic import BaseModel, ConfigDict, Field

from ..errors import Forbidden, Unauthorized, ValidationFailed
from ..governance import Resource, Subject
from ..learner import feedback
from ..ranker.contextual import contextual_status
from ..ranker.service import PURPOSE, RecommendationService
from .current import runtime_of

api = Blueprint("recommendations", __name__, url_prefix="/api/v1/learners")

#: The times a ranking may be asked for (``?at=``).
EARLIEST_AT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_AT = datetime(2200, 1, 1, tzinfo=UTC)
#: Session keys an LTI launch sets for the person it signed in.
SESSION_LEARNER, SESSION_ROLE = "learnwire_learner_id", "learnwire_role"


def service() -> RecommendationService:
    found = current_app.extensions.get("learnwire.recommendations")
    if found is None:
        found = RecommendationService(runtime_of())
        current_app.extensions["learnwire.recommendations"] = found
    return found


def viewer() -> Subject:
    header = request.headers.get("Authorization")
    if header:
        with runtime_of().db.connection() as conn:
            return service().governance.authenticate(conn, header)
    learner = session.get(SESSION_LEARNER)
    if learner:
        role = session.get(SESSION_ROLE, "learner")
        return Subject(role, "self", UUID(learner))
    raise Unauthorized("sign in through your LMS, or send 'Authorization: Bearer <token>'")


def _authorize(who: Subject, action: str, kind: str, learner_id: UUID) -> bool:
    """Raise unless allowed; True when the viewer is the learner themself."""
    svc = service()
    with runtime_of().db.connection() as conn:
        svc.governance.authorize(conn, who, action, Resource(kind, owner=learner_id), PURPOSE)
    return who.learner_id == learner_id


def _parse_at(raw: str | None) -> datetime:
    if not raw:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"'at' is not an ISO 8601 time: {raw!r}", field="at") from None
    if at.tzinfo is None:
        raise ValidationFailed("'at' needs a time zone, e.g. 2026-11-20T09:00:00Z", field="at")
    if not EARLIEST_AT <= at < LATEST_AT:
        # Retention periods, weeks and hire dates are counted back from 'at': near the ends
        # of the calendar that arithmetic leaves the range dates can hold.
        raise ValidationFailed(
            f"'at' must be from {EARLIEST_AT:%Y-%m-%d} up to (not including) "
            f"{LATEST_AT:%Y-%m-%d}, got {raw!r}",
            field="at",
        )
    return at


def _limit(raw: str | None) -> int:
    try:
        limit = int(raw or 5)
    except ValueError:
        raise ValidationFailed(
            f"'limit' must be a whole number, got {raw!r}", field="limit"
        ) from None
    if not 1 <= limit <= 50:
        raise ValidationFailed("'limit' must be between 1 and 50", field="limit")
    return limit


@api.get("/<uuid:learner_id>/recommendations")
def recommendations(learner_id: UUID) -> Any:
    who = viewer()
    is_self = _authorize(who, "read", "recommendations", learner_id)
    personal = is_self or _may_read_personal(who, learner_id)
    svc = service()
    ranking = svc.recommend(
        learner_id, at=_parse_at(request.args.get("at")), limit=_limit(request.args.get("limit"))
    )
    items = svc.model_items()
    out = []
    for rec in ranking.recommendations:
        i = items.position[rec.content_id]
        body = rec.model_dump(mode="json")
        body["item"] = {
            "id": str(rec.content_id),
            "title": items.titles[i],
            "format": items.format_name(i),
            "duration_minutes": float(items.duration[i]),
            "launch_url": items.launch_urls[i],
            "provider": items.providers[i],
        }
        if not personal:
            body["explanation"] = "Recommended for this learner's development."
            body["stretch_reason"] = None
            for c in body["contributions"]:
                c["detail"] = ""
        out.append(body)
    body = {"learner_id": str(learner_id), "at": ranking.at.isoformat(), "recommendations": out}
    if personal:
        # Whether Claude reordered this list, or why not (the reason can hint at the
        # learner's context, so only those who may see it get it).
        body["contextual"] = contextual_status(ranking)
    return jsonify(body)


def _may_read_personal(who: Subject, learner_id: UUID) -> bool:
    resource = Resource("learner_data", owner=learner_id)
    return bool(service().governance.allowed(who, "read", resource, PURPOSE))


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_id: UUID
    verdict: str = Field(description="useful | not_useful | dismiss | more_like_this")


class PrioritiesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priorities: dict[str, float]


def _self_only(learner_id: UUID) -> None:
    who = viewer()
    if who.learner_id != learner_id:
        raise Forbidden("only the learner can rate their recommendations or state priorities")


@api.post("/<uuid:learner_id>/feedback")
def rate(learner_id: UUID) -> Any:
    _self_only(learner_id)
    body = FeedbackIn.model_validate(request.get_json(force=True, silent=False))
    runtime = runtime_of()
    with runtime.db.connection() as conn:
        report = feedback.rate(
            conn,
            runtime.intake(),
            learner_id=learner_id,
            content_id=body.content_id,
            verdict=body.verdict,
        )
    return jsonify(
        {"stored": report.totals()["new"], "rejected": [r.as_dict() for r in report.rejected]}
    ), 201


@api.put("/<uuid:learner_id>/priorities")
def priorities(learner_id: UUID) -> Any:
    _self_only(learner_id)
    body = PrioritiesIn.model_validate(request.get_json(force=True, silent=False))
    runtime = runtime_of()
    with runtime.db.connection() as conn:
        report = feedback.state_priorities(
            conn, runtime.intake(), learner_id=learner_id, priorities=body.priorities
        )
    return jsonify({"stored": report.totals(), "rejected": [r.as_dict() for r in report.rejected]})
