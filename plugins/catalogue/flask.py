"""HTTP: a learner flags a skill tag they think is wrong (from the item page).

``POST /api/v1/content/<content_id>/tag-flags`` with ``{"skill_id": ...}``: the signed-in
learner's flag, stored through intake as a feedback statement. Thin glue over
:func:`~.tag_store.flag`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from ...core.errors import Forbidden, NotFound
from ...core.web.app import runtime_of
from ...core.web.recommendations import viewer
from .settings import catalogue_settings
from .tag_store import flag, materialise


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skill_id: str = Field(min_length=1, max_length=128)


def make_blueprint() -> Blueprint:
    api = Blueprint("catalogue", __name__, url_prefix="/api/v1/content")

    @api.post("/<uuid:content_id>/tag-flags")
    def flag_tag(content_id: UUID) -> Any:
        who = viewer()
        if who.learner_id is None:
            raise Forbidden("only a signed-in learner can flag a tag")
        body = FlagIn.model_validate(request.get_json(force=True, silent=False))
        runtime = runtime_of()
        _, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
        with runtime.db.connection() as conn, conn.transaction():
            applied = conn.execute(
                "SELECT 1 FROM content_skill cs JOIN content_item c ON c.id = cs.content_id "
                "WHERE cs.content_id = %s AND cs.skill_id = %s AND c.retired_at IS NULL",
                (content_id, body.skill_id),
            ).fetchone()
            if applied is None:
                raise NotFound(f"item {content_id} has no applied tag '{body.skill_id}'")
            report = flag(conn, runtime.intake(), content_id, body.skill_id, who.learner_id)
            materialise(conn, threshold=threshold, flag_limit=flag_limit, content_ids=[content_id])
        return jsonify(
            {"stored": report.totals()["new"], "rejected": [r.as_dict() for r in report.rejected]}
        ), 201

    return api
