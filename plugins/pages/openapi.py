"""``/api/v1/openapi.json``: the OpenAPI 3.1 document of the pages' JSON API.

Schemas come from the same pydantic models the endpoints return and validate, so the
document cannot drift from the code; a schema-driven test (schemathesis) runs against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from learnwire import __version__
from learnwire.core.measure.report import OutcomeReport

from .ld_data import LdView
from .learner import MeView
from .me import FeedbackIn, PrioritiesIn
from .me_delivery import DeliveryPrefsIn, DeliveryPrefsView
from .openapi_ops import ANY_LIST, ANY_OBJECT, Problem, op, ref
from .sections import Hosted, hosted
from .team import PriorityIn
from .team_data import TeamView

openapi = Blueprint("pages_openapi", __name__, url_prefix="/api/v1")


class Session(BaseModel):
    learner_id: str
    via: str
    roles: list[str]
    expires_at: str


class PolicyCheckIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str = Field(max_length=200_000)
    dry_run: bool = False


class PolicyApplyIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str = Field(max_length=200_000)
    reason: str = Field(min_length=1, max_length=500)


MODELS: list[type[BaseModel]] = [
    Problem,
    Session,
    MeView,
    FeedbackIn,
    PrioritiesIn,
    DeliveryPrefsView,
    DeliveryPrefsIn,
    TeamView,
    PriorityIn,
    LdView,
    OutcomeReport,
    PolicyCheckIn,
    PolicyApplyIn,
]
#: Models the API takes (validation schemas); the others are what it returns.
REQUESTS: tuple[type[BaseModel], ...] = (
    FeedbackIn,
    PrioritiesIn,
    DeliveryPrefsIn,
    PriorityIn,
    PolicyCheckIn,
    PolicyApplyIn,
)


_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}


def document(sections: Sequence[Hosted] = ()) -> dict[str, Any]:
    """The document for the core pages and the hosted ``sections`` (those mounted on the
    app serving it: a section whose plugin is not loaded is not described)."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation" if m in REQUESTS else "serialization") for m in MODELS
    ]
    for section in sections:
        models += [(m, "serialization") for m in section.responses]
        models += [(m, "validation") for m in section.requests]
    _, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    paths: dict[str, Any] = {
        "/api/v1/session": {"get": op("Who is signed in, and their roles", ref(Session))},
        "/api/v1/me": {"get": op("My page: items, skills, progress, data used", ref(MeView))},
        "/api/v1/me/feedback": {
            "post": op("Rate a recommended item", ANY_OBJECT, status="201", body=FeedbackIn)
        },
        "/api/v1/me/priorities": {
            "put": op("Replace my stated priorities", ANY_OBJECT, body=PrioritiesIn)
        },
        "/api/v1/me/delivery": {
            "get": op(
                "My message choices: cadence per kind and channel, quiet hours, working days",
                ref(DeliveryPrefsView),
            ),
            "put": op(
                "Change my own message choices (only what is given changes)",
                ref(DeliveryPrefsView),
                body=DeliveryPrefsIn,
            ),
        },
        "/api/v1/me/opt-outs/{family}": {
            "put": op("Switch a signal family off", ANY_OBJECT, path=(("family", _TEXT),)),
            "delete": op("Use a signal family again", ANY_OBJECT, path=(("family", _TEXT),)),
        },
        "/api/v1/team": {
            "get": op(
                "Totals over my teams (k-anonymous)", ref(TeamView), query=("team", "profile")
            )
        },
        "/api/v1/team/teams": {"get": op("The teams HR lists me as managing", ANY_LIST)},
        "/api/v1/team/priorities": {"put": op("Set a team priority", ANY_OBJECT, body=PriorityIn)},
        "/api/v1/team/priorities/{team}/{skill_id}": {
            "delete": op(
                "Remove a team priority", ANY_OBJECT, path=(("team", _TEXT), ("skill_id", _TEXT))
            )
        },
        "/api/v1/learning-admin": {"get": op("Organisation-wide figures for L&D", ref(LdView))},
        "/api/v1/learning-admin/outcomes": {"get": _outcomes_operation()},
        "/api/v1/compliance/audit": {
            "get": op(
                "Search the audit log",
                ANY_LIST,
                query=("person", "actor", "action", "since", "until"),
            )
        },
        "/api/v1/compliance/audit/verify": {"get": op("Verify the audit chain", ANY_OBJECT)},
        "/api/v1/compliance/policy/history": {"get": op("Policy versions", ANY_LIST)},
        "/api/v1/compliance/policy/{name}/check": {
            "post": op(
                "Check a changed policy document (optionally dry-run it)",
                ANY_OBJECT,
                body=PolicyCheckIn,
                path=(("name", _TEXT),),
            )
        },
        "/api/v1/compliance/policy/{name}/apply": {
            "post": op(
                "Apply a changed policy document with a reason",
                ANY_OBJECT,
                status="201",
                body=PolicyApplyIn,
                path=(("name", _TEXT),),
            )
        },
        "/api/v1/compliance/requests": {"get": op("Access and erasure requests", ANY_LIST)},
        "/api/v1/compliance/requests/{request_id}/export": {
            "get": op(
                "The export of a handled access request",
                ANY_OBJECT,
                path=(("request_id", {"type": "integer", "minimum": 1}),),
            )
        },
    }
    for section in sections:
        paths.update(section.paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "learnwire pages API",
            "version": __version__,
            "description": "What the /me, /team, /learning-admin and /compliance pages show, "
            "as JSON. Sign in through the LMS or the identity provider; send the page "
            "session's token as the X-Learnwire-Door header (or the session cookie).",
        },
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {
                "door": {"type": "apiKey", "in": "header", "name": "X-Learnwire-Door"},
            },
        },
        # A browser signed in through the identity provider sends the session cookie instead.
        "security": [{"door": []}],
        "paths": paths,
    }


@openapi.get("/openapi.json")
def openapi_json() -> Any:
    return jsonify(document(hosted()))


def _outcomes_operation() -> dict[str, Any]:
    """The stored report; while none is current it is being computed (202, then again after
    Retry-After), and a full queue of computations answers 429."""
    operation = op(
        "Learning outcomes with intervals, per role and period (k-anonymous), from the "
        "stored report (202 with Retry-After while it is being prepared)",
        ref(OutcomeReport),
        query=("since", "until", "period", "role"),
    )
    for code, what in (
        ("202", "the report is being prepared; ask again after Retry-After"),
        ("429", "too many reports are being prepared; ask again after Retry-After"),
    ):
        operation["responses"][code] = {
            "description": what,
            "content": {"application/problem+json": {"schema": ref(Problem)}},
        }
    return operation
