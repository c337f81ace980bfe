"""``/api/v1/openapi.json``: the OpenAPI 3.1 document of the pages' JSON API.

Schemas come from the same pydantic models the endpoints return and validate, so the
document cannot drift from the code; a schema-driven test (schemathesis) runs against it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from learnwire import __version__
from learnwire.core.measure.report import OutcomeReport
from learnwire.plugins.experiments.definition import ExperimentDefinition
from learnwire.plugins.experiments.report import Report

from .ld_data import LdView
from .learner import MeView
from .me import FeedbackIn, PrioritiesIn
from .me_delivery import DeliveryPrefsIn, DeliveryPrefsView
from .team import PriorityIn
from .team_data import TeamView

openapi = Blueprint("pages_openapi", __name__, url_prefix="/api/v1")


class Problem(BaseModel):
    """RFC 9457 problem details: every error, with what went wrong and where."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str


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
    Report,
    ExperimentDefinition,
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ANY_OBJECT: dict[str, Any] = {"type": "object"}
_ANY_LIST: dict[str, Any] = {"type": "array", "items": {"type": "object"}}


def _op(
    summary: str,
    ok: dict[str, Any],
    *,
    status: str = "200",
    body: type[BaseModel] | None = None,
    query: tuple[str, ...] = (),
    path: tuple[tuple[str, dict[str, Any]], ...] = (),
) -> dict[str, Any]:
    responses: dict[str, Any] = {status: _json(ok)}
    for code, what in (
        ("400", "invalid input"),
        ("401", "not signed in"),
        ("403", "refused by the policy"),
        ("404", "not found"),
    ):
        responses[code] = {
            "description": what,
            "content": {"application/problem+json": {"schema": _ref(Problem)}},
        }
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    params = [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in query
    ]
    params += [{"name": n, "in": "path", "required": True, "schema": s} for n, s in path]
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return op


_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}


def document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [
            (
                m,
                "serialization"
                if m
                not in (
                    FeedbackIn,
                    PrioritiesIn,
                    DeliveryPrefsIn,
                    PriorityIn,
                    PolicyCheckIn,
                    PolicyApplyIn,
                    ExperimentDefinition,
                )
                else "validation",
            )
            for m in MODELS
        ],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, Any] = {
        "/api/v1/session": {"get": _op("Who is signed in, and their roles", _ref(Session))},
        "/api/v1/me": {"get": _op("My page: items, skills, progress, data used", _ref(MeView))},
        "/api/v1/me/feedback": {
            "post": _op("Rate a recommended item", _ANY_OBJECT, status="201", body=FeedbackIn)
        },
        "/api/v1/me/priorities": {
            "put": _op("Replace my stated priorities", _ANY_OBJECT, body=PrioritiesIn)
        },
        "/api/v1/me/delivery": {
            "get": _op(
                "My message choices: cadence per kind and channel, quiet hours, working days",
                _ref(DeliveryPrefsView),
            ),
            "put": _op(
                "Change my own message choices (only what is given changes)",
                _ref(DeliveryPrefsView),
                body=DeliveryPrefsIn,
            ),
        },
        "/api/v1/me/opt-outs/{family}": {
            "put": _op("Switch a signal family off", _ANY_OBJECT, path=(("family", _TEXT),)),
            "delete": _op("Use a signal family again", _ANY_OBJECT, path=(("family", _TEXT),)),
        },
        "/api/v1/team": {
            "get": _op(
                "Totals over my teams (k-anonymous)", _ref(TeamView), query=("team", "profile")
            )
        },
        "/api/v1/team/teams": {"get": _op("The teams HR lists me as managing", _ANY_LIST)},
        "/api/v1/team/priorities": {
            "put": _op("Set a team priority", _ANY_OBJECT, body=PriorityIn)
        },
        "/api/v1/team/priorities/{team}/{skill_id}": {
            "delete": _op(
                "Remove a team priority", _ANY_OBJECT, path=(("team", _TEXT), ("skill_id", _TEXT))
            )
        },
        "/api/v1/learning-admin": {"get": _op("Organisation-wide figures for L&D", _ref(LdView))},
        "/api/v1/learning-admin/curation": {
            "get": _op("Curation reports and the tag review queue", _ANY_OBJECT)
        },
        "/api/v1/learning-admin/experiments": {
            "get": _op(
                "Experiments' reports (arms of fewer than k people withheld)",
                {"type": "array", "items": _ref(Report)},
            ),
            "post": _op(
                "Define an experiment and place its population (409 when it has started "
                "and the definition differs)",
                _ANY_OBJECT,
                status="201",
                body=ExperimentDefinition,
            ),
        },
        "/api/v1/learning-admin/outcomes": {
            "get": _op(
                "Learning outcomes with intervals, per role and period (k-anonymous)",
                _ref(OutcomeReport),
                query=("since", "until", "period", "role"),
            )
        },
        "/api/v1/compliance/audit": {
            "get": _op(
                "Search the audit log",
                _ANY_LIST,
                query=("person", "actor", "action", "since", "until"),
            )
        },
        "/api/v1/compliance/audit/verify": {"get": _op("Verify the audit chain", _ANY_OBJECT)},
        "/api/v1/compliance/policy/history": {"get": _op("Policy versions", _ANY_LIST)},
        "/api/v1/compliance/policy/{name}/check": {
            "post": _op(
                "Check a changed policy document (optionally dry-run it)",
                _ANY_OBJECT,
                body=PolicyCheckIn,
                path=(("name", _TEXT),),
            )
        },
        "/api/v1/compliance/policy/{name}/apply": {
            "post": _op(
                "Apply a changed policy document with a reason",
                _ANY_OBJECT,
                status="201",
                body=PolicyApplyIn,
                path=(("name", _TEXT),),
            )
        },
        "/api/v1/compliance/requests": {"get": _op("Access and erasure requests", _ANY_LIST)},
        "/api/v1/compliance/requests/{request_id}/export": {
            "get": _op(
                "The export of a handled access request",
                _ANY_OBJECT,
                path=(("request_id", {"type": "integer", "minimum": 1}),),
            )
        },
    }
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
    return jsonify(document())
