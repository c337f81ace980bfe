"""``/learning-admin/experiments``: the experiments' reports for L&D staff, and their API
(``/api/v1/learning-admin/experiments``: list and reports; POST defines one).

Built on the ``experiments`` plugin: mounted only when it is loaded (see :mod:`.sections`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from learnwire.core.errors import ValidationFailed
from learnwire.plugins.experiments import placement, report, store
from learnwire.plugins.experiments.definition import ExperimentDefinition, parse
from learnwire.plugins.experiments.report import Report

from . import doors
from .errors import html_errors, reject_nul
from .openapi_ops import ANY_OBJECT, op, ref
from .sections import Hosted

ld_experiment_pages = html_errors(Blueprint("pages_ld_experiments", __name__))
ld_experiment_api = reject_nul(
    Blueprint("pages_ld_experiments_api", __name__, url_prefix="/api/v1/learning-admin")
)
ROLE = "ld_admin"


def _reports() -> list[report.Report]:
    person = doors.require(ROLE)
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        return [
            report.build(conn, runtime.governance, doors.subject(person, ROLE), e.id)
            for e in store.every(conn)
        ]


@ld_experiment_pages.get("/learning-admin/experiments")
def experiments() -> Response:
    return doors.render("pages/ld_experiments.html", title="Experiments", reports=_reports())


@ld_experiment_api.get("/experiments")
def experiments_json() -> Any:
    return jsonify([r.model_dump(mode="json") for r in _reports()])


@ld_experiment_api.post("/experiments")
def create_json() -> Any:
    person = doors.require(ROLE)
    if not request.is_json or not isinstance(request.get_json(silent=True), dict):
        raise ValidationFailed(
            "send the definition as a JSON object (Content-Type: application/json)"
        )
    definition = parse(request.get_json())
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        done = placement.create(conn, runtime.governance, doors.subject(person, ROLE), definition)
    return jsonify(done.__dict__), 201


HOSTED = Hosted(
    blueprints=(ld_experiment_pages, ld_experiment_api),
    paths={
        "/api/v1/learning-admin/experiments": {
            "get": op(
                "Experiments' reports (arms of fewer than k people withheld)",
                {"type": "array", "items": ref(Report)},
            ),
            "post": op(
                "Define an experiment and place its population (409 when it has started "
                "and the definition differs)",
                ANY_OBJECT,
                status="201",
                body=ExperimentDefinition,
            ),
        },
    },
    responses=(Report,),
    requests=(ExperimentDefinition,),
)
